/**
 * @module hlc
 * Hybrid logical clock (Kulkarni et al. 2014). A stamp is the tuple
 * `(wall ms, counter, node)`, kept as a tuple rather than packed into one
 * number (packing overflows 2^53). The clock is persisted between runs, stays
 * monotonic when the wall clock steps back, and is never dragged forward by a
 * remote stamp more than {@link MAX_DRIFT_MS} ahead of local time: such stamps
 * are still accepted as data, but reported as skew instead of moving our clock.
 */

/** One HLC timestamp. Totally ordered by wall, then counter, then node. */
export interface Hlc {
  /** Physical part: milliseconds since the Unix epoch. */
  readonly wall: number;
  /** Logical part: orders events within one millisecond. */
  readonly counter: number;
  /** Device id of the stamping device; the final tie-break. */
  readonly node: string;
}

/** The bottom stamp: older than any real event (never "now"). */
export const HLC_ZERO: Hlc = Object.freeze({ wall: 0, counter: 0, node: "" });

/**
 * Largest counter a stamp this clock issues may carry: what a log entry
 * accepts (src/log/entry.ts), so a hostile remote stamp cannot leave the
 * clock issuing stamps no entry can hold.
 */
export const MAX_HLC_COUNTER = 2 ** 32 - 1;

/** How far ahead of local time a remote stamp may pull our clock. */
export const MAX_DRIFT_MS = 60_000;

/** Compare two stamps: negative if `a` is older, zero if equal, positive if newer. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wall !== b.wall) return a.wall < b.wall ? -1 : 1;
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.node === b.node) return 0;
  return a.node < b.node ? -1 : 1;
}

/** The newer of two stamps. */
export function maxHlc(a: Hlc, b: Hlc): Hlc {
  return compareHlc(a, b) >= 0 ? a : b;
}

/** True when `x` is a well-formed stamp (used when decoding untrusted data). */
export function isHlc(x: unknown): x is Hlc {
  if (typeof x !== "object" || x === null) return false;
  const h = x as Record<string, unknown>;
  return isStampPart(h.wall) && isStampPart(h.counter) && typeof h.node === "string";
}

function isStampPart(n: unknown): n is number {
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0;
}

/** What {@link HlcClock.observe} learned about a remote stamp. */
export interface ObserveResult {
  /** False when the stamp was too far ahead to move our clock. */
  readonly advanced: boolean;
  /** How far the remote wall time is ahead of local wall time (ms, ≥ 0). */
  readonly aheadMs: number;
}

/**
 * A device's clock. `now()` stamps a local event; `observe()` merges a stamp
 * received from another device. The wall time is always passed in, so the
 * clock is pure and tests can drive it with any sequence of times.
 */
export class HlcClock {
  #wall: number;
  #counter: number;
  /** The device whose clock this is. */
  readonly node: string;

  /** Start from the persisted last stamp (or zero for a new device). */
  constructor(node: string, last: { wall: number; counter: number } = HLC_ZERO) {
    this.node = node;
    this.#wall = last.wall;
    this.#counter = last.counter;
  }

  /** The latest stamp this clock issued or observed (to persist). */
  get last(): Hlc {
    return { wall: this.#wall, counter: this.#counter, node: this.node };
  }

  /** Stamp a local event at physical time `physicalMs`; strictly increasing. */
  now(physicalMs: number): Hlc {
    if (physicalMs > this.#wall) {
      this.#wall = physicalMs;
      this.#counter = 0;
    } else if (this.#counter < MAX_HLC_COUNTER) {
      // The wall clock stood still or stepped back: keep our wall time and
      // count, so stamps stay strictly increasing.
      this.#counter++;
    } else {
      // Counter exhausted (only reachable through a hostile remote stamp):
      // borrow a millisecond rather than issue a stamp no entry can carry.
      this.#wall++;
      this.#counter = 0;
    }
    return this.last;
  }

  /**
   * Merge a remote stamp seen at local physical time `physicalMs`. A stamp
   * more than {@link MAX_DRIFT_MS} ahead of local time does not move the clock.
   */
  observe(remote: Hlc, physicalMs: number): ObserveResult {
    const aheadMs = Math.max(0, remote.wall - physicalMs);
    if (aheadMs > MAX_DRIFT_MS) return { advanced: false, aheadMs };
    // Remember the newest stamp seen; the next local stamp (`now`) is then
    // greater than it. Counting receipts as events (as the paper does) is not
    // needed because only local events are stamped.
    if (
      remote.wall > this.#wall || (remote.wall === this.#wall && remote.counter > this.#counter)
    ) {
      this.#wall = remote.wall;
      this.#counter = remote.counter;
    }
    return { advanced: true, aheadMs };
  }
}

/** A peer's clock runs this far from ours (ms; positive: ahead), if it is beyond the allowed drift. */
export function skewBeyondDrift(skewMs: number): number | undefined {
  return Math.abs(skewMs) > MAX_DRIFT_MS ? skewMs : undefined;
}
