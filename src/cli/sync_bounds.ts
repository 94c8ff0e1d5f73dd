/**
 * @module sync_bounds
 * What bounds a sync round, from flags and the environment (both sides read
 * the variables, each for the sessions it runs; `mycel sync --help`):
 * - `--timeout SECONDS`: the read deadline;
 * - `MYCEL_SESSION_BUDGET=BYTES`: entries one session sends at most (default
 *   64 MiB); the rest follows next round ("more next round");
 * - `MYCEL_SESSION_DEADLINE=SECONDS`: how long one session may last in all
 *   (default max(60 × --timeout, 600), at most 86400); --timeout stays the read deadline;
 * - `MYCEL_FILE_BUDGET=BYTES`: file content one round fetches at most (the
 *   rest follows next round, resumed where it stopped);
 * - `MYCEL_DISCOVERY=off`: no LAN discovery.
 */

import { usageError } from "../errors.ts";
import type { SessionTuning } from "../sync/session_bounds.ts";

/**
 * Test knobs (never set by a user; help does not list them), read by both
 * sides: a single checkpoint's limit for a peer that takes parts (and the
 * size of each part), so tests send a checkpoint in parts without 64 MiB of
 * state; the slowest rate such parts may come at (the same names pairing
 * reads: sync/pairing_attempt.ts PART_KNOB, pairing_state_time.ts); a
 * pause (ms) holding up the cut after each part, standing in for a slow
 * device's cut (storage/parts_spool.ts); and the entries after which a
 * session's sending stops short (exchange_send.ts `stallAfter`), so a test
 * can kill a sender that is surely mid-transfer.
 */
const TEST_KNOBS = {
  partBytes: "MYCEL_TEST_CHECKPOINT_BYTES",
  stateRate: "MYCEL_TEST_STATE_RATE",
  cutPauseMs: "MYCEL_TEST_CUT_PAUSE_MS",
  stallAfter: "MYCEL_TEST_SEND_STALL",
};

/** Parse a `--timeout SECONDS` value (default `fallback`). */
export function parseSeconds(
  text: string | boolean | undefined,
  fallback: number,
  flag = "--timeout",
): number {
  if (text === undefined || text === true || text === false) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86400) {
    // "between 0 and 86400" read as if 0 were taken.
    throw usageError(`use ${flag}`, "it must be more than 0 and at most 86400 seconds", {
      value: text,
      hint: `Give the seconds to wait for a silent peer, e.g. ${flag} 10 (fractions too: 0.5).`,
    });
  }
  return n * 1000;
}

/** Session bounds from MYCEL_SESSION_BUDGET / MYCEL_SESSION_DEADLINE (see the module header). */
export function sessionTuning(env: (name: string) => string | undefined): SessionTuning {
  const read = (name: string, max: number): number | undefined => {
    const text = env(name);
    if (text === undefined || text === "") return undefined;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n <= 0 || n > max) {
      throw usageError(`use ${name}`, `it must be a whole number from 1 to ${max}`, {
        value: text,
      });
    }
    return n;
  };
  const budget = read("MYCEL_SESSION_BUDGET", 1 << 30);
  const deadline = read("MYCEL_SESSION_DEADLINE", 86400);
  const partBytes = read(TEST_KNOBS.partBytes, 64 << 20);
  const stateRate = read(TEST_KNOBS.stateRate, 1 << 30);
  const cutPauseMs = read(TEST_KNOBS.cutPauseMs, 60_000);
  const stallAfter = read(TEST_KNOBS.stallAfter, 1 << 30);
  return {
    ...(budget === undefined ? {} : { budget }),
    ...(partBytes === undefined ? {} : { partBytes }),
    ...(stateRate === undefined ? {} : { stateRate }),
    ...(cutPauseMs === undefined ? {} : { cutPauseMs }),
    ...(stallAfter === undefined ? {} : { stallAfter }),
    ...(deadline === undefined ? {} : { sessionTimeoutMs: deadline * 1000 }),
  };
}

/** `MYCEL_FILE_BUDGET=BYTES`: file content fetched per round at most (tests, slow links). */
export function fileBudget(env: (name: string) => string | undefined): number | undefined {
  const text = env("MYCEL_FILE_BUDGET");
  if (text === undefined || text === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw usageError("use MYCEL_FILE_BUDGET", "it must be a whole number of bytes", {
      value: text,
    });
  }
  return n;
}

/** LAN discovery is on unless MYCEL_DISCOVERY=off (docs/discovery.md). */
export function discoveryOn(env: (name: string) => string | undefined): boolean {
  return env("MYCEL_DISCOVERY") !== "off";
}
