/**
 * @module cut_budget
 * The rule of cut_gate.ts as a pure object: which session may cut our state
 * now, given the cuts made before, by a clock it is handed (tests move it).
 * Members are told apart by key (`peer`) and by group (`group`: the device
 * that admitted them, cut_gate.ts `cutGroup`), so that the made-up devices
 * one member admits share one group. A session may cut when:
 *
 * 1. no other cut is being made (one at a time);
 * 2. the home is past its duty cycle: after a cut that took `d` (taken to
 *    spooled, or to abandoned), none starts for {@link DUTY_FACTOR} × `d`, so
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
 */

import { MycelError } from "../errors.ts";

/**
 * After any cut, no other for its group (its admitter's devices) for this
 * long (ms); and no other for a device whose cut was abandoned. Shorter than
 * the sync service's rounds (every 30 s or more): an honest device whose
 * session broke mid-cut, or a sibling of one just cut for, gets its cut in
 * its next round.
 */
export const CUT_COOL_DOWN_MS = 10_000;
/**
 * After a cut sent whole, no other for that device for this long from the
 * cut's start (ms), and {@link CUT_COOL_DOWN_MS} at least from its end: it
 * holds our state now and its next rounds ask entries, not a cut, unless
 * more than 5000 entries and 4 × the state were written meanwhile
 * (exchange_send.ts CHECKPOINT_MIN), or it could not take what we sent
 * (its disk full, its session's deadline passed while it stored it). Such a
 * device is cut for again at its second round after: counted from the end
 * as before (60 s), its rounds, 30 s from round start to round start, came
 * back before that end + 60 s, and it waited three rounds.
 */
export const WHOLE_COOL_DOWN_MS = 50_000;
/** After a cut that took `d`, the home cuts nothing for this × `d` (≤ 1/4 of the time). */
export const DUTY_FACTOR = 3;
/**
 * How long a refused device counts as waiting (ms): three of the service's
 * 30 s rounds, so its next round finds its turn kept; one that stopped
 * asking (caught up elsewhere, switched off) holds no one up longer.
 */
export const WAITING_MS = 90_000;

const NEVER = -Infinity;

function busy(reason: string): MycelError {
  return new MycelError("busy", "send the state", reason, {
    hint: "The next round tries again.",
  });
}

/** A cut taken: see cut_gate.ts {@link Cut}. */
export interface Cut {
  made(): void;
  done(whole: boolean): void;
  /**
   * We refused to make it (the state too large to go whole to a peer that
   * takes no parts): the gate is given back as if it had not been taken
   * (but a wait of the device is over), so the same device, updated, is cut
   * for in parts at once. What this leaves
   * open: a member claiming no parts against such a state makes us try a
   * whole checkpoint as often as it asks, one at a time, each stopped where
   * it passes the 64 MiB bound.
   */
  refused(): void;
}

/** The cut rule of one home (cut_gate.ts keeps one per home handle). */
export class CutBudget<K> {
  #cutting = false;
  /** When the home may start its next cut (rule 2). */
  #openAt = NEVER;
  /** Per group and per device: when its last cut started. */
  readonly #groupServed = new Map<K, number>();
  readonly #served = new Map<K, number>();
  /** Per device: until when it gets no cut (rule 4). */
  readonly #coolUntil = new Map<K, number>();
  /** Refused devices: their group and since when they wait (rule 5). */
  readonly #waiting = new Map<K, { group: K; since: number; last: number }>();

  constructor(readonly now: () => number = () => performance.now()) {}

  /** Take the gate for a cut for `peer` of `group`, or throw `busy`. */
  take(peer: K, group: K): Cut {
    const t = this.now();
    this.#forget(t);
    if ((this.#coolUntil.get(peer) ?? NEVER) > t) {
      throw busy("it cut its state for this device moments ago");
    }
    const crowded = this.#cutting
      ? "it is cutting its state for another session now"
      : this.#openAt > t
      ? "it cut its state moments ago and rests between cuts"
      : t - (this.#groupServed.get(group) ?? NEVER) < CUT_COOL_DOWN_MS
      ? "it cut its state moments ago for a device admitted by the same member"
      : this.#aheadOf(peer, group, t)
      ? "another device has waited longer for its state"
      : undefined;
    if (crowded !== undefined) {
      const w = this.#waiting.get(peer);
      this.#waiting.set(peer, { group, since: w?.since ?? t, last: t });
      throw busy(crowded);
    }
    this.#waiting.delete(peer);
    this.#cutting = true;
    const before = { group: this.#groupServed.get(group), served: this.#served.get(peer) };
    this.#groupServed.set(group, t);
    this.#served.set(peer, t);
    this.#coolUntil.set(peer, Infinity); // its parts are still being sent: no second cut meanwhile
    let made = false, given = false;
    const release = () => {
      if (made) return;
      made = true;
      this.#cutting = false;
      const end = this.now();
      this.#openAt = Math.max(this.#openAt, end + DUTY_FACTOR * (end - t));
    };
    return {
      made: release,
      done: (whole) => {
        if (given) return;
        given = true;
        release();
        const end = this.now() + CUT_COOL_DOWN_MS;
        this.#coolUntil.set(peer, whole ? Math.max(t + WHOLE_COOL_DOWN_MS, end) : end);
      },
      refused: () => {
        if (given) return;
        given = true;
        made = true;
        this.#cutting = false;
        this.#coolUntil.delete(peer);
        const restore = (m: Map<K, number>, k: K, v: number | undefined) =>
          v === undefined ? m.delete(k) : m.set(k, v);
        restore(this.#groupServed, group, before.group);
        restore(this.#served, peer, before.served);
        // Its wait is over (it had its turn): put back, it stayed ahead of
        // every device refused while we tried, and the same old release
        // asking each round made us try again at once each time, the others
        // refused for as long as its wait counted (90 s).
      },
    };
  }

  /**
   * A session of `peer` that needs no cut (it caught up, from us or from
   * another device): it waits no longer. Else a device crowded out that then
   * caught up elsewhere (one of three back from a trip, from a sibling just
   * cut for) kept its turn for {@link WAITING_MS}, and every device behind it
   * was refused busy that long: three rounds.
   */
  leftWaiting(peer: K): void {
    this.#waiting.delete(peer);
  }

  /**
   * Drop what no longer counts, so the maps hold only the devices cut for or
   * refused lately: a wait not renewed for {@link WAITING_MS}, a cool-down
   * over, a cut started longer ago than that (it orders like none).
   */
  #forget(t: number): void {
    for (const [k, w] of this.#waiting) if (t - w.last > WAITING_MS) this.#waiting.delete(k);
    for (const [k, until] of this.#coolUntil) if (until <= t) this.#coolUntil.delete(k);
    for (const m of [this.#served, this.#groupServed]) {
      for (const [k, at] of m) if (t - at > WAITING_MS) m.delete(k);
    }
  }

  /** True when another waiting device goes before `peer` (rule 5). */
  #aheadOf(peer: K, group: K, t: number): boolean {
    const mine = this.#order(peer, group, this.#waiting.get(peer)?.since ?? t);
    for (const [k, w] of this.#waiting) {
      if (k !== peer && less(this.#order(k, w.group, w.since), mine)) return true;
    }
    return false;
  }

  #order(peer: K, group: K, since: number): number[] {
    return [this.#groupServed.get(group) ?? NEVER, this.#served.get(peer) ?? NEVER, since];
  }
}

function less(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
