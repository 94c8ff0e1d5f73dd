/**
 * @module checkpoint_parts_in
 * Taking a checkpoint in parts (src/log/checkpoint_parts.ts) into a home,
 * inside the caller's transaction, part by part as they come: each is
 * checked against the signed head before it is decoded, written into the
 * state tables and kept as a part of the base, and dropped; so the home
 * never holds more than one part in memory, whatever the state's size.
 *
 * Only into a home with no state of its own yet (a device just made for
 * pairing): rows are then put as they come, which is what a state merge
 * (state_merge.ts) gives from an empty side. A home with keyspace or folder
 * rows, or a base, would need the whole checkpoint at once to merge; it is
 * refused (`checkpoint_parts_unsupported`) before anything is written.
 */

import { MycelError } from "../errors.ts";
import { type PartedHead, PartReader } from "../log/checkpoint_parts_decode.ts";
import { SPACES } from "../log/state.ts";
import { mergeState } from "../log/state_merge.ts";
import { readBase, storeBaseHead, storeBasePart } from "./base_state.ts";
import type { Db } from "./db.ts";
import { refuseForkedFrontier } from "./head_proof.ts";
import type { ImportResult } from "./home_checkpoint.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";

/** True when the home holds no keyspace, folder or base rows. */
function holdsNothing(db: Db, state: SqlState): boolean {
  const empty = (it: Iterable<unknown>) => {
    for (const _ of it) return false;
    return true;
  };
  const f = state.folders();
  return readBase(db) === undefined && SPACES.every((s) => empty(state.keysOf(s))) &&
    empty(state.parked()) && empty(state.floors()) && empty(f.shares()) &&
    empty(f.deviceRows()) && empty(f.allVersions()) && empty(f.frontiers());
}

/**
 * Take the checkpoint whose (already read, signer checked) head is `head`;
 * `next` gives its parts in order, then undefined. Any refusal throws, and
 * the caller's transaction then writes nothing.
 */
export async function partedIn(
  db: Db,
  state: SqlState,
  log: SqlLog,
  head: PartedHead,
  next: (size: number) => Promise<Uint8Array | undefined>,
): Promise<ImportResult> {
  state.flush();
  if (!holdsNothing(db, state)) {
    throw new MycelError(
      "checkpoint_parts_unsupported",
      "take the mesh's state",
      "it comes in parts (it is over 64 MiB), which only a device with no state of its own takes",
      { hint: "Pair this device as a new one: move its home aside, or use --home DIR." },
    );
  }
  refuseForkedFrontier(log, head.frontier);
  // Seen seqs, apps and members first: no keyspace row is held yet, so this
  // merge removes nothing, and the parts' rows are then put as a merge would.
  const merged = mergeState(state, head.state);
  storeBaseHead(db, head.bytes);
  const reader = new PartReader(head);
  for (;;) {
    const part = await next(reader.taken < head.parts.length ? reader.due() : 0);
    if (part === undefined) break;
    reader.take(part, state);
    storeBasePart(db, reader.taken - 1, part);
    state.flush();
    state.invalidate(); // what a part's rows left in caches goes with it
  }
  reader.end();
  let advanced = 0;
  for (const f of head.frontier) {
    const ours = log.head(f.author);
    if (ours !== undefined && ours.seq >= f.seq) continue;
    log.setBase(f.author, f.seq, f.hash);
    advanced++;
  }
  return { ...merged, advanced, rebased: false };
}
