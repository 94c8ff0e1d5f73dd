/**
 * @module compact
 * When and how much a device compacts. Entries every non-removed device
 * holds (as this device knows from its own sessions: src/log/stability.ts)
 * and stamped more than the retention period ago are dropped, leaving the
 * base checkpoint to cover them (src/storage/compaction.ts).
 *
 * The retention is a local setting, not replicated (`mycel sync retention`):
 * how much history `mycel log` shows here is this device's business, and
 * a device that keeps less never makes another keep less. Default 90 days;
 * `never` turns compaction off. A `sync now` round compacts at most once a
 * day; `mycel sync compact` does it at once.
 */

import { stableFrontier } from "../log/stability.ts";
import { DEFAULT_KEEP_DAYS } from "../storage/sql_local.ts";
import type { Home } from "../storage/home_handle.ts";
import type { CompactionResult } from "../storage/home_compact.ts";
import { knowledgeOf } from "./acks.ts";

/** A day in ms. */
export const DAY_MS = 86_400_000;
/** Rounds compact at most this often. */
export const COMPACT_EVERY_MS = DAY_MS;
/** Longest retention accepted (days). */
export const MAX_KEEP_DAYS = 36_500;

/** Days of history `home` keeps (null: it never compacts). */
export function keepDaysOf(home: Home): number | null {
  const r = home.local.get("retention");
  return r === undefined ? DEFAULT_KEEP_DAYS : r.days;
}

/** What a compaction did, and from which cutoff. */
export interface CompactReport extends CompactionResult {
  /** Entries stamped at or after this (ms) were kept whatever else held. */
  cutoff: number;
  /** The retention used (days). */
  keepDays: number;
}

/** Compact `home` now, keeping `keepDays` days of history. */
export async function compactNow(
  home: Home,
  o: { keepDays: number; dryRun?: boolean },
): Promise<CompactReport> {
  const cutoff = home.now() - o.keepDays * DAY_MS;
  const stable = stableFrontier(knowledgeOf(home));
  const r = await home.compact({ stable, cutoff, dryRun: o.dryRun, keepDays: o.keepDays });
  return { ...r, cutoff, keepDays: o.keepDays };
}

/** Compact when this device's retention allows and the last compaction is a day old. */
export async function compactIfDue(home: Home): Promise<CompactReport | undefined> {
  const keepDays = keepDaysOf(home);
  if (keepDays === null) return undefined;
  const last = home.local.get("compaction");
  if (last !== undefined && home.now() - last.at < COMPACT_EVERY_MS) return undefined;
  return await compactNow(home, { keepDays });
}
