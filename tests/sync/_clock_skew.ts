/**
 * @module clock_skew_helpers
 * What the real-clock tests (clock_skew_test, clock_skew_unset_test) share:
 * libfaketime's path and whether to skip, the environment that moves one
 * mycel process's wall clock, the hostile end-of-time stamp, a signed entry
 * forged at that stamp, and tolerant time comparisons.
 */

import assert from "node:assert/strict";
import type { Op } from "../../src/log/ops.ts";
import { Home } from "../../src/storage/home_handle.ts";
import type { LogEntryJson } from "../helpers/mycel.ts";
import { findLibfaketime } from "../helpers/faketime.ts";
import type { Device } from "./_helpers.ts";

export const DAY = 86_400_000;
export const YEAR = 365 * DAY;
/** Slack for the time a round takes on a loaded machine (ms). */
export const SLACK = 10 * 60_000;
/** The hostile stamp: the largest wall time an entry may carry, minus a little. */
export const END_OF_TIME = Number.MAX_SAFE_INTEGER - 1000;

/** libfaketime's path (undefined when it is not installed). */
export const LIB = findLibfaketime();
const IN_CI = Deno.env.get("CI") !== undefined;
/** True when the tests are skipped (no libfaketime outside CI; CI must have it). */
export const SKIP = LIB === undefined && !IN_CI;

/** Print why `file`'s tests are skipped, when they are. */
export function sayWhySkipped(file: string): void {
  if (!SKIP) return;
  console.log(
    `${file} skipped: libfaketime is not installed (Debian: apt-get install faketime; ` +
      "scripts/install_test_deps.sh does it)",
  );
}

/** First line of each test: CI runs them, so there libfaketime must be there. */
export function requireLibfaketime(): void {
  assert.ok(LIB !== undefined, "CI must install faketime (scripts/install_test_deps.sh)");
}

/** The environment that runs a mycel process with its clock `offset` away (e.g. "+1d"). */
export function fakeClock(offset: string): Record<string, string> {
  return {
    LD_PRELOAD: LIB!,
    FAKETIME: offset,
    // Timers and deadlines keep real time; only the wall clock moves.
    FAKETIME_DONT_FAKE_MONOTONIC: "1",
  };
}

/** Assert `actual` is within {@link SLACK} of `expected`. */
export function near(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) < SLACK,
    `${what}: ${actual} is not within ${SLACK} ms of ${expected}`,
  );
}

/** The newest entry `d` wrote itself, from its `log --json`. */
export async function ownNewest(d: Device): Promise<LogEntryJson> {
  const log = (await d.log()).filter((e) => e.device === d.id);
  return log[log.length - 1];
}

/**
 * `d`, compromised, signs one entry of `ops` stamped {@link END_OF_TIME}
 * (in-process, with its own key; from then on its clock stands there).
 */
export async function forgeAtEndOfTime(d: Device, ops: Op[]): Promise<void> {
  const forged = await Home.open(d.home, { write: true, now: () => END_OF_TIME });
  try {
    await forged.write((w) => w.commit(ops));
  } finally {
    forged.close();
  }
}
