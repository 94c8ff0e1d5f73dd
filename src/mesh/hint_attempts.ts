/**
 * @module hint_attempts
 * How often a NAT traversal hint (another member's word on where it sees a
 * peer) may take a dead tunnel away from this device's own candidates. Both
 * NATed ends act on their hints within a round of each other, so one
 * attempt needs only a few minutes; a hint acted on at every apply instead
 * let a stolen member that keeps sending one pin the tunnel to any address
 * for good, so that it never tried the endpoints this device knows.
 *
 * So per peer: an attempt is the applies within {@link HINT_TRY_S} of the
 * first one that acted on a hint, all with that hint's endpoint; a new
 * attempt (a new hint, or the same one again) waits 10 to 20 minutes after
 * the last one began ({@link retryGapMs}: the part past 10 minutes drawn
 * from when it began). Between attempts the device's own candidates rotate
 * as if no hint existed, so a member that keeps sending hints holds a dead
 * tunnel on its address a fifth of the time on average (a third at most,
 * when the drawn gaps are all short), and the device's
 * own endpoints are tried the rest. The budget is the peer's, not the
 * sender's: more stolen members buy nothing.
 *
 * Why no fixed gap and no count: the two ends of an honest traversal must
 * be on their hints at the same time, each from its own schedule. A fixed
 * 15-minute gap kept the offset between the two ends' attempts the same for
 * good when one end's rounds were 3 to 5 minutes apart (a divisor of it),
 * and a cap of three attempts a day then meant no direct path for a day
 * (found by a review with a simulation of both ends' applies); the drawn
 * part moves the offset at every attempt, and attempts go on. Pure.
 */

/** A hint older than this (s) is not acted on: as long as a handshake keeps a tunnel live. */
export const HINT_FRESH_S = 180;
/** How long (s) one attempt keeps the tunnel on the hinted endpoint. */
export const HINT_TRY_S = HINT_FRESH_S;
/** Least time (s) between the starts of two attempts for one peer. */
export const HINT_RETRY_S = 10 * 60;
/** Most time (s) between the starts of two attempts while hints come. */
export const HINT_RETRY_MAX_S = 20 * 60;

/**
 * Time (ms) after `last` began before another attempt: between
 * {@link HINT_RETRY_S} and {@link HINT_RETRY_MAX_S}, the part between drawn
 * from when it began (a hash of the ms: as good as a draw for moving the two
 * ends' offset, and the same on every read of the record).
 */
export function retryGapMs(last: { since: number }): number {
  let x = Math.trunc(last.since) % 0x7fffffff | 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  x ^= x >>> 16;
  const drawn = (x >>> 0) / 0x100000000; // [0, 1)
  return Math.round((HINT_RETRY_S + drawn * (HINT_RETRY_MAX_S - HINT_RETRY_S)) * 1000);
}

/** An attempt record older than this (s) is forgotten (the count starts over). */
export const HINT_FORGET_S = 24 * 3600;

/** A hint from another member: where its WireGuard saw the peer, and when (ms). */
export interface EndpointHint {
  endpoint: string;
  at: number;
  /** Who said so (device key hex), when known. */
  via?: string;
}

/** The current or last hint attempt for one peer. */
export interface HintAttempt {
  /** The endpoint tried. */
  endpoint: string;
  /** Who told it (device key hex), or "". */
  via: string;
  /** When (ms) the attempt began: the first apply that acted on it. */
  since: number;
  /** Attempts made since the last handshake, this one included. */
  tries: number;
}

/** What {@link hintTurn} decided. */
export interface HintTurn {
  /** Point the tunnel at the attempt's endpoint now. */
  act: boolean;
  /** The attempt record to keep (undefined: none). */
  attempt?: HintAttempt;
}

/** Whether `hint` may steer a dead tunnel at `nowMs`, given the peer's last `attempt`. */
export function hintTurn(
  hint: EndpointHint | undefined,
  attempt: HintAttempt | undefined,
  nowMs: number,
): HintTurn {
  const last = attempt !== undefined && nowMs - attempt.since <= HINT_FORGET_S * 1000
    ? attempt
    : undefined;
  if (hint === undefined || nowMs - hint.at > HINT_FRESH_S * 1000) {
    return { act: false, attempt: last };
  }
  if (last === undefined) {
    return {
      act: true,
      attempt: { endpoint: hint.endpoint, via: hint.via ?? "", since: nowMs, tries: 1 },
    };
  }
  const age = nowMs - last.since;
  // During an attempt the tunnel stays where it began, whatever the newest
  // hint says: another member's hint must neither cut it short nor flap it.
  if (age >= 0 && age < HINT_TRY_S * 1000) return { act: true, attempt: last };
  if (age >= 0 && age < retryGapMs(last)) return { act: false, attempt: last };
  return {
    act: true,
    attempt: { endpoint: hint.endpoint, via: hint.via ?? "", since: nowMs, tries: last.tries + 1 },
  };
}
