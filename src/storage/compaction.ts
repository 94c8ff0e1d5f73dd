/**
 * @module compaction
 * Dropping entries every live device holds once they are older than the
 * retention period, leaving the base checkpoint a refold starts from (the
 * `base_state` row) to cover them. The state does not change: it is still
 * the fold of everything; only the entries below each chain's new base are
 * gone (a peer that lacks them gets a checkpoint instead, sync_plan.ts).
 *
 * Which entries every live device holds is the caller's knowledge (the
 * stable frontier, src/log/stability.ts); this module only ever goes lower:
 * - per author, the new base is the last entry at or below the stable
 *   frontier stamped before the cutoff (a chain's stamps only grow, so the
 *   entries before the cutoff are a prefix);
 * - the new base state is what a refold gives from the old base and those
 *   entries alone (src/log/rebuild.ts); an entry that may not fold from
 *   there (its author's admission is not covered yet, or it is past a cut)
 *   stops its chain's base below it;
 * - planning reads without any lock (it may fold a long history); applying
 *   is one short transaction that first checks nothing it relied on changed
 *   (the base, and the entries at the new bases), then the covered entries
 *   are deleted in small batches, each its own transaction.
 */

import { bytesEqual } from "../bytes.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { FrontierHead } from "../log/checkpoint.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import { rebuildState } from "../log/rebuild.ts";
import { REVOKE_TAG, type RevokeEvent, revokeEvents } from "../log/removals.ts";
import { MemoryState } from "../log/state_memory.ts";
import { mergeState } from "../log/state_merge.ts";
import type { Db } from "./db.ts";
import {
  encodeBase,
  type EncodedBase,
  readBase,
  readBaseCheckpoint,
  storeBase,
} from "./base_state.ts";
import type { SqlLog } from "./sql_log.ts";

/** What may be compacted. */
export interface CompactionOptions {
  /** Per author, the last seq every live member holds (src/log/stability.ts). */
  readonly stable: ReadonlyMap<DeviceKey, number>;
  /** Entries stamped at or after this wall time (ms) are kept. */
  readonly cutoff: number;
}

/** A chain's base moving up. */
export interface BaseMove {
  readonly author: DeviceKey;
  /** The base before. */
  readonly from: number;
  /** The new base. */
  readonly to: number;
  /** Hash of the entry at `to`. */
  readonly hash: Uint8Array;
}

/** What a compaction will do (planned without a lock). */
export interface CompactionPlan {
  readonly moves: BaseMove[];
  /** The base this plan starts from (applying checks it is unchanged). */
  readonly oldBase?: Uint8Array;
  /** The new base (undefined when nothing moves); in parts past one checkpoint's bounds. */
  readonly newBase?: EncodedBase;
}

/** The wall time of `author`'s entry `seq` (undefined when we do not hold it). */
function wallAt(log: SqlLog, author: DeviceKey, seq: number): number | undefined {
  const raw = log.entryAt(author, seq);
  return raw === undefined ? undefined : decodeSignedEntry(raw).entry.hlc.wall;
}

/** The last seq in (lo, hi] stamped before `cutoff` (lo when none), by bisection. */
function lastBefore(
  log: SqlLog,
  author: DeviceKey,
  lo: number,
  hi: number,
  cutoff: number,
): number {
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    const wall = wallAt(log, author, mid);
    if (wall !== undefined && wall < cutoff) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Plan a compaction (reads only; no lock). */
export async function planCompaction(
  db: Db,
  log: SqlLog,
  self: DeviceKey,
  meta: { mesh: string; made: number },
  o: CompactionOptions,
): Promise<CompactionPlan> {
  const targets = new Map<DeviceKey, number>();
  const heads = log.heads();
  for (const [author, stable] of o.stable) {
    const head = heads.get(author);
    if (head === undefined) continue;
    const hi = Math.min(stable, head.seq);
    if (hi <= head.base) continue;
    const to = lastBefore(log, author, head.base, hi, o.cutoff);
    if (to > head.base) targets.set(author, to);
  }
  const oldBase = readBase(db);
  if (targets.size === 0) return { moves: [], oldBase };
  const base = oldBase === undefined ? undefined : await readBaseCheckpoint(db);
  // The new base is what a refold gives from the old base and these entries
  // alone (src/log/rebuild.ts: which removals count, cuts, admissions).
  const state = new MemoryState();
  const prefix = (author: DeviceKey, after: number, limit: number) =>
    log.decoded(author, after, limit).filter((e) => e.entry.seq <= (targets.get(author) ?? 0));
  const events: RevokeEvent[] = [];
  for (const bytes of log.containing(REVOKE_TAG)) {
    const e = decodeSignedEntry(bytes).entry;
    const head = heads.get(e.author);
    if (e.seq <= (targets.get(e.author) ?? 0) && e.seq > (head?.base ?? 0)) {
      events.push(...revokeEvents(e));
    }
  }
  await rebuildState(state, { authors: () => targets.keys(), read: prefix }, {
    reset() {
      state.clear();
      if (base !== undefined) mergeState(state, base.state);
    },
    events,
    trusted: new Set([self]),
  });
  const moves: BaseMove[] = [];
  for (const [author, target] of targets) {
    const head = heads.get(author)!;
    const to = Math.min(target, state.seen(author));
    if (to <= head.base) continue;
    const hash = log.hashAt(author, to);
    if (hash === undefined) continue;
    moves.push({ author, from: head.base, to, hash });
  }
  if (moves.length === 0) return { moves, oldBase };
  const frontier = new Map<DeviceKey, FrontierHead>();
  for (const h of base?.frontier ?? []) frontier.set(h.author, h);
  for (const author of targets.keys()) {
    const seq = state.seen(author);
    if (seq <= (frontier.get(author)?.seq ?? 0)) continue;
    const hash = log.hashAt(author, seq);
    // The entry itself too: the base keeps it once the log no longer does,
    // as the proof a checkpoint gives of this head (log/checkpoint.ts).
    const proof = log.entryAt(author, seq);
    if (hash !== undefined) frontier.set(author, { author, seq, hash, proof });
  }
  return { moves, oldBase, newBase: await encodeBase(state, [...frontier.values()], meta) };
}

/**
 * Apply a plan inside the caller's transaction: the new base, and each
 * chain's base raised. Returns why it was not applied (something it relied
 * on changed meanwhile; the next compaction plans again), or undefined.
 */
export function applyCompaction(db: Db, log: SqlLog, plan: CompactionPlan): string | undefined {
  if (plan.newBase === undefined || plan.moves.length === 0) return undefined;
  const now = readBase(db);
  if ((now === undefined) !== (plan.oldBase === undefined)) return "a checkpoint arrived meanwhile";
  if (now !== undefined && !bytesEqual(now, plan.oldBase!)) return "a checkpoint arrived meanwhile";
  for (const m of plan.moves) {
    const head = log.head(m.author);
    const hash = log.hashAt(m.author, m.to);
    if (head === undefined || head.base !== m.from || hash === undefined) {
      return "the log changed meanwhile";
    }
    if (!bytesEqual(hash, m.hash)) return "the log changed meanwhile";
  }
  storeBase(db, plan.newBase);
  const raise = db.prepare("UPDATE heads SET base = ?, base_hash = ? WHERE author = ?");
  for (const m of plan.moves) raise.run(m.to, m.hash, m.author.bytes);
  return undefined;
}

/**
 * Delete up to about `limit` stored entries that their chain's base covers
 * (inside the caller's transaction); returns how many were deleted.
 */
export function dropCovered(db: Db, limit: number): number {
  const bases = db.prepare("SELECT author, base FROM heads WHERE base > 0").all() as {
    author: Uint8Array;
    base: number;
  }[];
  const lowest = db.prepare("SELECT min(seq) AS s FROM entries WHERE author = ?");
  const drop = db.prepare("DELETE FROM entries WHERE author = ? AND seq <= ?");
  let dropped = 0;
  for (const { author, base } of bases) {
    if (dropped >= limit) break;
    const low = (lowest.get(author) as { s: number | null }).s;
    if (low === null || low > base) continue;
    const upTo = Math.min(base, low + (limit - dropped) - 1);
    dropped += Number(drop.run(author, upTo).changes);
  }
  return dropped;
}

/** Entries stored that their chain's base covers (what {@link dropCovered} would delete). */
export function coveredCount(db: Db): number {
  return Number(
    (db.prepare(
      "SELECT count(*) AS n FROM entries e JOIN heads h ON e.author = h.author WHERE e.seq <= h.base",
    ).get() as { n: number }).n,
  );
}
