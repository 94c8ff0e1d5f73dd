/**
 * @module repair_check
 * Whether a home's stored entries are damaged (repair.ts asks after
 * SQLite's integrity check; `doctor` asks through HomeHandle.entryProblems):
 * each entry decodes, matches its hash, follows the one before, each
 * chain's last signature verifies, and the checkpoint the home started
 * from reads back (of a base in parts: every part there as its head says). Apart from the repair itself because finding damage
 * only reads, and `doctor` loads it where nothing is repaired.
 */

import { decodeSignedEntry, type SignedEntry, verifyEntrySignature } from "../log/entry.ts";
import type { Db } from "./db.ts";
import { readBaseParts } from "./base_state.ts";
import { readBaseState } from "./repair_base.ts";
import { baseOf } from "./repair_salvage.ts";
import { SqlLog } from "./sql_log.ts";

/**
 * Problems with the stored entries (empty when intact): every entry decodes,
 * its hash matches its bytes, it follows the one before, and each chain's
 * last entry's signature verifies (which, through the chain, covers the rest).
 * Read through a damaged page, a query may fail: that is a problem too.
 */
export async function entryProblems(db: Db): Promise<string[]> {
  const problems: string[] = [];
  const log = new SqlLog(db, Date.now);
  for (const [author, head] of log.heads()) {
    let prev: SignedEntry | undefined;
    let lastSeq = head.base;
    for (let after = head.base;;) {
      const batch = log.range(author, after, undefined, 1000);
      for (const bytes of batch) {
        lastSeq++;
        let e: SignedEntry;
        try {
          e = decodeSignedEntry(bytes);
        } catch (err) {
          problems.push(`${author.short}#${lastSeq} cannot be read: ${(err as Error).message}`);
          prev = undefined;
          continue;
        }
        lastSeq = e.entry.seq;
        if (
          prev !== undefined &&
          (e.entry.seq !== prev.entry.seq + 1 || !e.entry.prev ||
            e.entry.prev.some((b, i) => b !== prev!.hash[i]))
        ) {
          problems.push(`${author.short}#${e.entry.seq} does not follow #${prev.entry.seq}`);
        }
        const stored = log.hashAt(author, e.entry.seq)!;
        if (stored.some((b, i) => b !== e.hash[i])) {
          problems.push(`${author.short}#${e.entry.seq} does not match its hash`);
        }
        prev = e;
      }
      if (batch.length < 1000) break;
      after += batch.length;
    }
    if (prev && !(await verifyEntrySignature(prev))) {
      problems.push(`${author.short}'s last entry does not verify`);
    }
  }
  // The checkpoint the home started from holds its peers' history before it:
  // unreadable, it is damage to name (repair cannot keep it), not to pass over.
  const base = baseOf(db);
  if (base !== undefined && (await readBaseState(base, () => readBaseParts(db))) === undefined) {
    problems.push(
      "the checkpoint this home started from cannot be read back (the history before it is " +
        "not kept; a peer sends it again)",
    );
  }
  return problems;
}
