/**
 * @module session_bounds
 * The time limits of a sync session from a read deadline (`--timeout`) and
 * the overrides tests and unusual links give (budget, whole-session deadline,
 * checkpoint threshold): shared by `sync now` (round.ts), `sync serve` and the
 * folder round.
 */

import type { SessionLimits } from "./peer_session_types.ts";

/**
 * Overrides of a session's bounds (tests, unusual links): the bytes of
 * entries it sends at most, and how long it may last in all.
 */
export interface SessionTuning {
  /** Entries sent per session at most (bytes; default SESSION_BUDGET). */
  budget?: number;
  /** Deadline of the whole session (ms; default max(60 × read deadline, 10 min), at most a day). */
  sessionTimeoutMs?: number;
  /** Entries a peer may lack before it gets a checkpoint instead (default CHECKPOINT_MIN). */
  checkpointMin?: number;
  /**
   * Test only (MYCEL_TEST_CHECKPOINT_BYTES): the most a single checkpoint
   * holds for a peer that takes parts, and the size of each part.
   */
  partBytes?: number;
  /** Test only (MYCEL_TEST_STATE_RATE): the slowest rate a checkpoint in parts may come at. */
  stateRate?: number;
  /** Test only (MYCEL_TEST_CUT_PAUSE_MS): a pause after each part cut (or step of a whole checkpoint made). */
  cutPauseMs?: number;
  /** Test only (MYCEL_TEST_SEND_STALL): entries after which sending stops short (ExchangeOptions). */
  stallAfter?: number;
  /** Test only (no variable): what our `hi` says we take; 0 acts as an earlier release does. */
  abilities?: number;
}

/**
 * The longest a whole session may last (ms): a day, as MYCEL_SESSION_DEADLINE
 * allows at most. The default, 60 × the read deadline, would pass what a
 * timer can wait (2^31 - 1 ms) for a `--timeout` over about 10 hours, and
 * such a timer fires at once: every session failed.
 */
export const MAX_SESSION_MS = 86_400_000;

/** Session limits for a read deadline of `timeoutMs`. */
export function limitsFor(
  timeoutMs: number,
  ports: readonly number[] = [],
  tuning: SessionTuning = {},
): SessionLimits {
  return {
    readTimeoutMs: timeoutMs,
    handshakeTimeoutMs: Math.min(timeoutMs, 10_000),
    sessionTimeoutMs: tuning.sessionTimeoutMs ??
      Math.min(Math.max(timeoutMs * 60, 600_000), MAX_SESSION_MS),
    ports,
    ...(tuning.budget === undefined ? {} : { budget: tuning.budget }),
    ...(tuning.checkpointMin === undefined ? {} : { checkpointMin: tuning.checkpointMin }),
    ...(tuning.partBytes === undefined ? {} : { partBytes: tuning.partBytes }),
    ...(tuning.stateRate === undefined ? {} : { stateRate: tuning.stateRate }),
    ...(tuning.cutPauseMs === undefined ? {} : { cutPauseMs: tuning.cutPauseMs }),
    ...(tuning.stallAfter === undefined ? {} : { stallAfter: tuning.stallAfter }),
    ...(tuning.abilities === undefined ? {} : { abilities: tuning.abilities }),
  };
}

/**
 * The slowest a peer is assumed to take in what we sent (bytes/s), and the
 * most that can be on its way to it unread (bytes): both sockets' buffers
 * (Linux lets a loopback receive buffer grow to 32 MiB) and its read-ahead.
 */
const SLOWEST_TAKE = 512 * 1024;
const MOST_IN_FLIGHT = 64 * 1024 * 1024;

/**
 * How much longer than its read deadline (ms) a peer may stay silent once
 * we have sent it `sentBytes` in this session: it stores what it received
 * before it says anything more (its `ack` comes once, after all of it), and
 * what we sent may still be in the socket buffers, unread. Before, a
 * receiver that took longer than the read deadline over the last buffered
 * megabytes failed the round ("no data within 10s") although every entry
 * arrived. Bounded by what can be in flight, so a silent peer is still
 * dropped: at most about 2 minutes later.
 */
export function unreadGraceMs(sentBytes: number): number {
  return Math.ceil(Math.min(sentBytes, MOST_IN_FLIGHT) / SLOWEST_TAKE * 1000);
}
