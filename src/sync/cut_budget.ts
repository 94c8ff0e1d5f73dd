/**
 * @module cut_budget
 * The rule of cut_gate.ts as pure functions over plain data ({@link CutState},
 * which cut_budget_shared.ts keeps in a file for the `--stdio` processes of
 * a home, and {@link CutBudget} in memory for one process), by a clock they
 * are handed (tests move it). Members are told apart by key (`peer`) and by
 * group (`group`: the device that admitted them, cut_gate.ts `cutGroup`), so
 * that the made-up devices one member admits share one group. A session may
 * cut when:
 *
 * 1. no other cut is being made (one at a time);
 * 2. the home is past its duty cycle: after a cut that took `d` (its
 *    snapshot taken to spooled, or to abandoned: {@link Cut} `began`; a
 *    wait for the home's lock before is no cutting), none starts for
 *    {@link DUTY_FACTOR} × `d`, so
 *    cutting takes at most a quarter of the time whoever asks, however many
 *    keys they use;
 * 3. its group was not cut for within {@link CUT_COOL_DOWN_MS};
 * 4. the device itself is not being sent a cut, and its last cut started
 *    {@link WHOLE_COOL_DOWN_MS} ago at least when it was sent whole, and
 *    ended {@link CUT_COOL_DOWN_MS} ago at least (whole or abandoned);
 * 5. no device refused by 1-3 within {@link WAITING_MS} waits that was
 *    served less recently: by group first, then by device, then by who
 *    waits longer. A looping member is refused while an honest device it
 *    crowded out waits, so that device's next round gets the cut.
 *
 * A whole checkpoint we refused as too large ({@link Cut} `refused`) is no
 * cut for the device (3 and 4), but its making cost what a cut costs: the
 * home rests after it (2), except for that device's next cut in parts,
 * whose own rest then starts where that one ends (a quarter still).
 *
 * A cut held by a process that died (`settle`) counts as abandoned when its
 * holder last said it was alive, so a crash holds the gate no longer than
 * an abandoned cut does. The transitions are cut_transitions.ts.
 */

import { type Cut, cutOf, type CutState, forget, freshState, take } from "./cut_transitions.ts";

export {
  CUT_COOL_DOWN_MS,
  DUTY_FACTOR,
  MAX_KEPT,
  WAITING_MS,
  WHOLE_COOL_DOWN_MS,
} from "./cut_transitions.ts";
export type { Cut, CutState } from "./cut_transitions.ts";

/** The cut rule of one home in this process's memory (cut_gate.ts keeps one per home handle). */
export class CutBudget<K> {
  readonly #state: CutState = freshState();

  constructor(
    readonly now: () => number = () => performance.now(),
    /** Names a key in the state (a device key: its hex). */
    readonly name: (k: K) => string = String,
  ) {}

  /**
   * Take the gate for a cut for `peer` of `group`, or throw `busy`. `whole`:
   * a whole checkpoint for a peer that takes no parts, not a cut in parts.
   */
  take(peer: K, group: K, whole = false): Cut {
    const t = this.now();
    const ticket = take(this.#state, t, this.name(peer), this.name(group), "", whole);
    return cutOf(ticket, (change) => change(this.#state, this.now()));
  }

  /**
   * A session of `peer` that needs no cut (it caught up, from us or from
   * another device): it waits no longer. Else a device crowded out that then
   * caught up elsewhere (one of three back from a trip, from a sibling just
   * cut for) kept its turn for {@link WAITING_MS}, and every device behind it
   * was refused busy that long: three rounds.
   */
  leftWaiting(peer: K): void {
    forget(this.#state, this.now());
    delete this.#state.waiting[this.name(peer)];
  }
}
