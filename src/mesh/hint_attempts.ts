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
 * attempt (a new hint, or the same one again) waits {@link HINT_RETRY_S}
 * after the last one began, and at most {@link MAX_HINT_TRIES} are made
 * until a handshake proves a path (then the count starts over). Between
 * attempts the device's own candidates rotate as if no hint existed. The
 * budget is the peer's, not the sender's: more stolen members buy nothing.
 * Pure.
 */

/** A hint older than this (s) is not acted on: as long as a handshake keeps a tunnel live. */
export const HINT_FRESH_S = 180;
/** How long (s) one attempt keeps the tunnel on the hinted endpoint. */
export const HINT_TRY_S = HINT_FRESH_S;
/** Least time (s) between the starts of two attempts for one peer. */
export const HINT_RETRY_S = 15 * 60;
/** Most attempts for one peer until a handshake proves a path. */
export const MAX_HINT_TRIES = 3;
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
  if (last.tries >= MAX_HINT_TRIES || (age >= 0 && age < HINT_RETRY_S * 1000)) {
    return { act: false, attempt: last };
  }
  return {
    act: true,
    attempt: { endpoint: hint.endpoint, via: hint.via ?? "", since: nowMs, tries: last.tries + 1 },
  };
}
