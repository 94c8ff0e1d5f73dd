/**
 * @module home_compact
 * Compacting a home (`Home.compact`): plan without the write lock, apply in
 * one short transaction, then delete the covered entries in small ones, and
 * record what was done for `mycel log`. Loaded only when a compaction runs:
 * commands that never compact never load the planner (compaction.ts).
 * The state does not change; only entries every live device holds go.
 */

import type { DeviceKey } from "../log/device_key.ts";
import {
  type BaseMove,
  type CompactionOptions,
  coveredCount,
  planCompaction,
} from "./compaction.ts";
import { type Db, guard } from "./db.ts";
import type { HomeWriter } from "./home_writer.ts";
import type { SqlLog } from "./sql_log.ts";
import { sqliteError } from "./storage_errors.ts";

/** What a compaction did. */
export interface CompactionResult {
  /** Chains whose base moved up. */
  moves: BaseMove[];
  /** Stored entries deleted (planned, with a dry run). */
  dropped: number;
  /** Why nothing (or not everything) was done, when so. */
  skipped?: string;
}

/** What of an open home a compaction uses (Home hands it its own). */
export interface CompactTarget {
  readonly db: Db;
  /** The database file, for error messages. */
  readonly dbPath: string;
  readonly log: SqlLog;
  readonly device: DeviceKey;
  readonly meshId: string;
  now(): number;
  write<T>(fn: (w: HomeWriter) => Promise<T> | T): Promise<T>;
}

async function guardAsync<T>(path: string, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw sqliteError(e, action, path);
  }
}

/**
 * Compact: drop the entries `o.stable` says every live device holds that
 * are stamped before `o.cutoff`, leaving the base checkpoint to cover them
 * (src/storage/compaction.ts). Plans without the write lock (it may fold a
 * long history), applies in one short transaction, then deletes in small
 * ones. The state is unchanged. `dryRun` plans only.
 */
export async function compactHome(
  h: CompactTarget,
  o: CompactionOptions & { dryRun?: boolean; keepDays?: number },
): Promise<CompactionResult> {
  const plan = await guardAsync(
    h.dbPath,
    "plan compaction",
    () =>
      planCompaction(
        h.db,
        h.log,
        h.device,
        { mesh: h.meshId, made: h.now() },
        o,
      ),
  );
  const result: CompactionResult = { moves: plan.moves, dropped: 0 };
  if (o.dryRun) {
    result.dropped = plan.moves.reduce((n, m) => n + (m.to - m.from), 0);
    return result;
  }
  const skipped = await h.write((w) => w.applyCompaction(plan));
  if (skipped !== undefined) return { moves: [], dropped: 0, skipped };
  for (let n = 1; n > 0;) {
    n = await h.write((w) => w.dropCovered(5000));
    result.dropped += n;
  }
  await h.write((w) =>
    w.setLocal("compaction", {
      at: h.now(),
      keepDays: o.keepDays ?? -1,
      dropped: result.dropped,
    })
  );
  if (guard(h.dbPath, "read the log", () => coveredCount(h.db)) > 0) {
    result.skipped = "some covered entries are still stored";
  }
  return result;
}
