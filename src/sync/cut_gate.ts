/**
 * @module cut_gate
 * How often members make us cut our state into a checkpoint in parts
 * (exchange_send.ts; docs/sync_protocol.md, "How often a state is cut"). A
 * cut reads the whole state, spools it to disk and holds a snapshot that
 * keeps the write-ahead log from being checkpointed: seconds of CPU for tens
 * of MiB. A member could ask for it in a loop, reading each cut whole or
 * hanging up, and with a fresh key each time: any member may admit devices
 * it made up (docs/threat_model.md). So, per home handle (one `sync serve
 * --listen` serves all its sessions through one), the rule of cut_budget.ts:
 * one cut at a time, given back once the cut is spooled ({@link Cut} `made`:
 * sending from the spool holds no snapshot and costs no cutting, and a
 * member reading its parts slowly held the gate, found by a review); cuts
 * at most a quarter of the time; a cool-down per device and per group after
 * each cut; and a device crowded out keeps its turn. A session refused is
 * told `busy` (its peer reads `peer_busy`; its next round tries again).
 *
 * A device's group is the member that admitted it (the admission the fold
 * kept), unless that is us ({@link cutGroup}): the devices one member made
 * up share one group. Under `--stdio` (a process per connection) the
 * processes of a home share one gate ({@link shareCuts},
 * cut_budget_shared.ts): else a member asking again from a new connection
 * found a fresh budget in each process.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { Home } from "../storage/home_handle.ts";
import { type Cut, CutBudget } from "./cut_budget.ts";
import { SharedCutBudget } from "./cut_budget_shared.ts";

export type { Cut } from "./cut_budget.ts";
export { CUT_COOL_DOWN_MS, WHOLE_COOL_DOWN_MS } from "./cut_budget.ts";

type Key = DeviceKey | undefined;

/** A cut rule: in this process's memory, or shared by the home's `--stdio` processes. */
interface Gate {
  take(peer: Key, group: Key, whole?: boolean): Cut;
  leftWaiting(peer: Key): void;
}

/** A key as the rule's state names it ("" for a test's session without one). */
const nameOf = (k: Key) => k?.hex ?? "";

const gates = new WeakMap<object, Gate>();

function gateOf(home: object): Gate {
  let gate = gates.get(home);
  if (gate === undefined) gates.set(home, gate = new CutBudget<Key>(undefined, nameOf));
  return gate;
}

/**
 * `sync serve --stdio`: `home`'s cuts are decided with the home's other such
 * processes, through a state kept in the folder `dir()` gives (the home's
 * registry folder, made on first use: only a member's session asks for a
 * cut); `log` takes the note when it can't be used (then this process's own
 * gate decides).
 */
export function shareCuts(home: Home, dir: () => string, log: (line: string) => void): void {
  gates.set(home, new SharedCutBudget<Key>(dir, nameOf, log));
}

/**
 * The group `peer`'s cuts count in: the member that admitted it; or itself
 * when we admitted it (we paired with it: it is no other member's made-up
 * device), it admitted itself, it is no member here, or it has no key (a
 * test's session).
 */
export function cutGroup(home: Home, peer: Key): Key {
  const by = peer === undefined ? undefined : home.view.member(peer)?.admitted.by;
  return by === undefined || by === home.device ? peer : by;
}

/**
 * Take the gate of `home` for a cut for `peer`, or throw `busy`; `whole`:
 * for a whole checkpoint (a peer that takes no parts), not a cut in parts.
 */
export function takeCut(home: Home, peer: Key, whole = false): Cut {
  return gateOf(home).take(peer, cutGroup(home, peer), whole);
}

/** A session of `peer` that needs no cut: it no longer waits for one (cut_budget.ts). */
export function leftWaiting(home: Home, peer: Key): void {
  gates.get(home)?.leftWaiting(peer);
}

/** Test only: the gate of `home` reads time from `now` from here on (its past cuts forgotten). */
export function useCutClock(home: Home, now: () => number): void {
  gates.set(home, new CutBudget<Key>(now, nameOf));
}
