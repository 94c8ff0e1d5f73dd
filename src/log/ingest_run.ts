/**
 * @module ingest_run
 * The chain rules of ingest (ingest.ts): what of one author's pending
 * entries, sorted by seq, is stored and folded against its stored chain.
 *
 * - Chain: a run of an author's consecutive entries extends our head (seq and
 *   prev hash). The run is authenticated by the chain and the signature of
 *   its last entry — every prev commits to the whole entry before it. A run
 *   ends where the next entry does not link (that entry is then judged
 *   against the new head). When the last entry's signature fails, a run
 *   from the network is refused whole and none of it is kept (an honest
 *   peer sends it intact next time); salvaging our own disk (repair,
 *   migration) keeps the longest prefix whose entries all verify, so a
 *   damaged page costs the entries from the first bad one on.
 * - Fork: a second, validly signed entry for an (author, seq) we hold is kept
 *   aside as evidence with ours and reported; an unsigned claim is not a fork.
 *
 * Apart from the queue because these rules judge one author's chain alone;
 * which authors may be judged yet (admission) is the queue's business.
 */

import { bytesEqual } from "../bytes.ts";
import type { DeviceKey } from "./device_key.ts";
import { type Entry, type SignedEntry, verifyEntrySignature } from "./entry.ts";
import { foldEntry } from "./fold.ts";
import type { IngestResult, LogTarget, Refusal } from "./ingest_types.ts";
import { hasRevoke } from "./removals.ts";

/** What a run is judged with: the ingest's live target, its record and its rules. */
export interface RunContext {
  /** The target now (an ingest may go on in another: `Ingest.moveTo`). */
  target(): LogTarget;
  /** What the ingest did so far; the run adds to it. */
  readonly result: IngestResult;
  /** Rebuilding from our own disk: keep a failing run's verified prefix. */
  readonly salvage: boolean;
  /** Count and list a refusal. */
  refuse(r: Refusal): void;
  /** True when `author`'s entry `seq` may be folded now. */
  mayFold(author: DeviceKey, seq: number): boolean;
  /** Queue again `author`'s entries kept aside as waiting (they may fold now). */
  requeue(author: DeviceKey): void;
}

/** Store what of `list` (sorted) extends `author`'s chain; returns how many were consumed. */
export async function takeRun(
  cx: RunContext,
  author: DeviceKey,
  list: SignedEntry[],
): Promise<number> {
  const t = cx.target();
  // First, before any await: a target may write what it put off when a head is read.
  const head = t.head(author);
  let i = 0;
  // Entries we hold already: duplicates, or the other branch of a fork.
  for (; i < list.length && list[i].entry.seq <= (head?.seq ?? 0); i++) {
    const e = list[i];
    const mine = t.hashAt(author, e.entry.seq);
    if (mine === undefined || bytesEqual(mine, e.hash)) {
      cx.result.duplicates++; // ours, or older than what we keep (compacted)
    } else await forkEvidence(cx, e, e.entry.seq, mine, e.hash);
  }
  // The run that links onto our head: consecutive seqs, each naming the hash of the one before.
  const run: SignedEntry[] = [];
  let prevHash = head?.hash;
  for (let j = i; j < list.length; j++) {
    const e = list[j];
    if (e.entry.seq !== (head?.seq ?? 0) + run.length + 1) break;
    if (prevHash !== undefined && !bytesEqual(e.entry.prev!, prevHash)) {
      // Inside the run, a broken link says an entry before it is not what
      // its author signed (or belongs to another branch): the run ends
      // there, the signature check below decides it, and the rest is tried
      // again against what we store. Only a link onto our stored head,
      // which we verified, can show a fork.
      if (run.length > 0) break;
      // Links onto a different entry at our head's seq: a fork, if signed.
      await forkEvidence(cx, e, e.entry.seq - 1, prevHash, e.entry.prev!);
      // What follows is that other branch: refused, and said so (its first
      // entry, kept aside above, is the evidence).
      for (const rest of list.slice(j + 1)) {
        cx.refuse({
          author,
          seq: rest.entry.seq,
          code: "fork_branch",
          reason: "it continues the other branch of its author's forked log",
        });
      }
      return list.length;
    }
    run.push(e);
    prevHash = e.hash;
  }
  if (run.length === 0) return i;
  const consumed = i + run.length;
  if (!(await verifyEntrySignature(run[run.length - 1]))) {
    // Network: the run is refused as a whole — one altered byte anywhere
    // breaks the chain or the last signature, and no signature vouches for
    // any of it; an honest peer sends it intact next time. Salvage (repair
    // and migration of our own disk): keep the longest prefix whose entries
    // all verify. What follows a refused entry waits for it.
    let good = 0;
    if (cx.salvage) {
      while (good < run.length && await verifyEntrySignature(run[good])) good++;
    }
    for (const e of run.slice(good)) {
      const whole = good === 0 && !cx.salvage && e !== run[run.length - 1];
      cx.refuse({
        author,
        seq: e.entry.seq,
        code: "bad_signature",
        reason: whole
          ? "the run it belongs to does not verify (altered in transit?)"
          : "its signature does not verify",
      });
    }
    if (good === 0) return consumed;
    run.splice(good);
  }
  for (const e of run) {
    if (!cx.mayFold(author, e.entry.seq)) {
      // A removal in an entry past a cut may still count (removals racing:
      // removals.ts): only a fold from scratch can decide. Once per entry.
      if (t.setAside(e, "past_cut") && hasRevoke(e.entry)) cx.result.refold = true;
      cx.result.pastCut++;
      continue;
    }
    t.append(e);
    const folded = foldEntry(t, e.entry);
    cx.result.accepted++;
    if (folded.refold || needsRefold(t, e.entry)) cx.result.refold = true;
    for (const k of folded.membership) cx.requeue(k);
  }
  cx.requeue(author); // entries kept aside after a gap may follow now
  return consumed;
}

/**
 * `e` shows that its author signed something else than `kept` at `seq`:
 * kept aside as fork evidence when its own signature verifies (evidence,
 * not a claim), else refused.
 */
async function forkEvidence(
  cx: RunContext,
  e: SignedEntry,
  seq: number,
  kept: Uint8Array,
  other: Uint8Array,
): Promise<void> {
  const author = e.entry.author;
  if (await verifyEntrySignature(e)) {
    cx.target().setAside(e, "fork");
    cx.target().noteFork(author, seq, kept, other);
    cx.result.forks.push({ author, seq });
  } else {
    cx.refuse({
      author,
      seq: e.entry.seq,
      code: "bad_signature",
      reason: "its signature does not verify",
    });
  }
}

/**
 * True when folding `entry` may change which removals count beyond what the
 * fold itself saw: it holds a removal while removals sit in entries kept
 * aside past a cut (a new removal may attack one of them: removals.ts).
 */
export function needsRefold(target: Pick<LogTarget, "asideRemovals">, entry: Entry): boolean {
  return hasRevoke(entry) && target.asideRemovals();
}
