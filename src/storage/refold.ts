/**
 * @module refold
 * Fold the state again from scratch, inside the caller's transaction. Needed
 * only when a removal narrows a device's cut below entries already folded
 * (they arrived before the removal): those entries, and whatever depended on
 * them (devices only they admitted), must come out of the state. The fold
 * starts from the base checkpoint this home was brought up from, if any, then
 * folds every stored entry that may still be folded, author by author, in
 * bounded batches; entries that may not are moved aside (`past_cut`, or
 * `waiting` for an admission), never dropped.
 *
 * Entries covered by the base checkpoint cannot be taken out again; a removal
 * claiming less than such a base is documented in docs/trust.md.
 */

import type { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import { foldEntry } from "../log/fold.ts";
import { mayFold } from "../log/membership.ts";
import { mergeState } from "../log/state_merge.ts";
import type { Db } from "./db.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";
import { FOLDER_STATE_TABLES } from "./schema.ts";

const BATCH = 1000;

/**
 * Rebuild the state in `db` from its base checkpoint and stored entries.
 * `self` (this device) may fold its own first entries before any admission.
 */
export async function refold(db: Db, state: SqlState, log: SqlLog, self: DeviceKey): Promise<void> {
  // Synced folders' state tables are cleared too (FOLDER_STATE_TABLES).
  for (
    const t of ["versions", "parked", "floors", "seen", "apps", "members", ...FOLDER_STATE_TABLES]
  ) {
    db.exec(`DELETE FROM ${t}`);
  }
  state.invalidate();
  const base = db.prepare("SELECT bytes FROM base_state WHERE id = 1").get() as
    | { bytes: Uint8Array }
    | undefined;
  if (base !== undefined) {
    const { readCheckpoint } = await import("../log/checkpoint.ts");
    mergeState(state, (await readCheckpoint(base.bytes, { unsigned: true })).state);
  }
  const heads = log.heads();
  for (let progress = true; progress;) {
    progress = false;
    for (const author of heads.keys()) {
      for (;;) {
        const from = state.seen(author);
        const raw = log.range(author, from, undefined, BATCH);
        let folded = 0;
        for (const bytes of raw) {
          const e = decodeSignedEntry(bytes);
          const row = state.member(author);
          const bootstrap = author === self && row?.added === undefined &&
            row?.removed === undefined;
          if (!bootstrap && !mayFold(row, e.entry.seq)) break;
          foldEntry(state, e.entry);
          folded++;
        }
        if (folded > 0) progress = true;
        if (folded < BATCH) break;
      }
    }
  }
  // What could not be folded leaves the chains, kept aside.
  for (const [author, head] of heads) {
    const seen = state.seen(author);
    if (head.seq <= seen) continue;
    const row = state.member(author);
    const reason = row?.removed !== undefined && row.added !== undefined ? "past_cut" : "waiting";
    for (let after = seen;;) {
      const raw = log.range(author, after, undefined, BATCH);
      for (const bytes of raw) log.setAside(decodeSignedEntry(bytes), reason);
      if (raw.length < BATCH) break;
      after += raw.length;
    }
    log.truncate(author, seen);
  }
}
