/**
 * @module home_checkpoint
 * Checkpoints in and out of a home (inside the caller's transaction).
 *
 * Out: the current state and the chain heads it covers, signed by us.
 * In: a member's checkpoint is checked against the entries we hold (where we
 * hold an entry at a head it covers, the hashes must agree — otherwise it is
 * refused as evidence of a fork), joined into our state (our own writes it
 * lacks are kept: a state merge loses nothing), and every chain it covers
 * beyond ours starts from its head (entries below are covered, not held).
 * It also becomes part of the base a refold starts from.
 *
 * Re-base: when our base holds a removed device's changes past its cut (a
 * checkpoint taken before we heard of the removal: docs/trust.md, limits), a
 * state merge can never take them out. A checkpoint that holds none of them
 * and covers everything else our base covers replaces the base instead, and
 * the home folds again from it: every change we hold as an entry folds on
 * top, so nothing but the removed device's set-aside changes goes.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import {
  type Checkpoint,
  type FrontierHead,
  makeCheckpoint,
  readCheckpoint,
} from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { Signer } from "../log/identity.ts";
import { type MergeResult, mergeState } from "../log/state_merge.ts";
import { MemoryState } from "../log/state_memory.ts";
import type { StateRows } from "../log/state_rows.ts";
import type { Db } from "./db.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";

/** The heads a checkpoint of this home covers. */
export function frontierOf(log: SqlLog): FrontierHead[] {
  return [...log.heads()].map(([author, h]) => ({ author, seq: h.seq, hash: h.hash }));
}

/** Make a signed checkpoint of the current state. */
export async function checkpointOut(
  state: SqlState,
  log: SqlLog,
  meta: { mesh: string; made: number },
  signer: Signer,
): Promise<Uint8Array> {
  return await makeCheckpoint(state, frontierOf(log), meta, signer);
}

/** A signer for checkpoints kept only locally as a refold base (never sent). */
const UNSIGNED: Signer = {
  publicKey: new Uint8Array(32),
  sign: () => Promise.resolve(new Uint8Array(64)),
} as unknown as Signer;

/** What taking a checkpoint did. */
export interface ImportResult extends MergeResult {
  /** Chains that now start at the checkpoint's head. */
  advanced: number;
  /** It replaced a base that held a removed device's changes past the cut (fold again). */
  rebased: boolean;
}

/**
 * Removed devices our base holds past the cut, with the cut: the one our
 * state knows, or the one the checkpoint's state knows (so a device that
 * hears of the removal in this very checkpoint re-bases at once). The base's
 * frontier says how far it holds a chain (a joined checkpoint may cover more
 * of it than the chain's base in the log).
 */
function taintedChains(
  state: SqlState,
  base: readonly FrontierHead[],
  cp: Checkpoint,
): Map<DeviceKey, number> {
  const out = new Map<DeviceKey, number>();
  for (const h of base) {
    const cuts = [state.member(h.author)?.removed?.cut, cp.state.member(h.author)?.removed?.cut]
      .filter((c) => c !== undefined);
    if (cuts.length > 0 && h.seq > Math.min(...cuts)) out.set(h.author, Math.min(...cuts));
  }
  return out;
}

/**
 * True when `cp` may replace our base (see the module header): our base holds
 * some removed device past its cut, `cp` holds none of it past the cut, and
 * `cp` covers every other chain at least as far as our base does.
 */
function mayRebase(
  base: readonly FrontierHead[],
  tainted: ReadonlyMap<DeviceKey, number>,
  cp: Checkpoint,
): boolean {
  if (tainted.size === 0) return false;
  const covers = new Map(cp.frontier.map((h) => [h.author, h.seq]));
  for (const [author, cut] of tainted) if ((covers.get(author) ?? 0) > cut) return false;
  return base.every((h) => tainted.has(h.author) || (covers.get(h.author) ?? 0) >= h.seq);
}

/** Check `cp` against our log, join it into our state, advance chains, update the base. */
export async function checkpointIn(
  db: Db,
  state: SqlState,
  log: SqlLog,
  cp: Checkpoint,
): Promise<ImportResult> {
  for (const f of cp.frontier) {
    const ours = log.head(f.author);
    if (ours === undefined || f.seq > ours.seq || f.seq < ours.base) continue;
    const mine = f.seq === ours.base ? ours.baseHash : log.hashAt(f.author, f.seq);
    if (mine && !bytesEqual(mine, f.hash)) {
      throw new MycelError(
        "checkpoint_conflict",
        "take checkpoint",
        "it disagrees with an entry this device holds (a fork)",
        { value: `${f.author.short}#${f.seq}` },
      );
    }
  }
  const old = readBase(db);
  const prev = old === undefined ? undefined : await readCheckpoint(old, { unsigned: true });
  const tainted = prev ? taintedChains(state, prev.frontier, cp) : new Map();
  if (prev && mayRebase(prev.frontier, tainted, cp)) return rebase(db, log, cp, tainted);
  const merged = mergeState(state, cp.state);
  let advanced = 0;
  for (const f of cp.frontier) {
    const ours = log.head(f.author);
    if (ours !== undefined && ours.seq >= f.seq) continue;
    log.setBase(f.author, f.seq, f.hash);
    advanced++;
  }
  // The refold base: the old base joined with this checkpoint (it may cover
  // more of some chains than either alone).
  let base = cp.state;
  let frontier = cp.frontier;
  if (prev !== undefined) {
    base = new MemoryState();
    mergeState(base, prev.state);
    mergeState(base, cp.state);
    const heads = new Map(prev.frontier.map((h) => [h.author, h]));
    for (const h of cp.frontier) {
      if ((heads.get(h.author)?.seq ?? 0) < h.seq) heads.set(h.author, h);
    }
    frontier = [...heads.values()];
  }
  storeBase(db, await encodeBase(base, frontier, { mesh: cp.mesh, made: cp.made }));
  return { ...merged, advanced, rebased: false };
}

/**
 * Make `cp` the base (checked by {@link mayRebase}): chains it covers beyond
 * ours start from its head. A removed device's chain whose base went past
 * the cut goes back to where `cp` holds it (entries up to the cut can come
 * from any peer again); its entries held after that base no longer link and
 * are set aside (`past_cut`). The caller folds again from the new base.
 */
function rebase(
  db: Db,
  log: SqlLog,
  cp: Checkpoint,
  tainted: ReadonlyMap<DeviceKey, number>,
): Promise<ImportResult> {
  let advanced = 0;
  const covers = new Map(cp.frontier.map((h) => [h.author, h]));
  for (const author of tainted.keys()) {
    const ours = log.head(author);
    const to = covers.get(author);
    if (ours === undefined || ours.base <= (to?.seq ?? 0)) continue;
    for (let after = ours.base;;) {
      const raw = log.range(author, after, undefined, 1000);
      for (const bytes of raw) log.setAside(decodeSignedEntry(bytes), "past_cut");
      if (raw.length < 1000) break;
      after += raw.length;
    }
    if (to === undefined) log.truncate(author, 0);
    else log.rewind(author, to.seq, to.hash);
    advanced++;
  }
  for (const f of cp.frontier) {
    const ours = log.head(f.author);
    if (ours !== undefined && ours.seq >= f.seq) continue;
    log.setBase(f.author, f.seq, f.hash);
    advanced++;
  }
  return encodeBase(cp.state, cp.frontier, { mesh: cp.mesh, made: cp.made }).then((bytes) => {
    storeBase(db, bytes);
    return { added: 0, removed: 0, cutNarrowed: false, advanced, rebased: true };
  });
}

/** The bytes of the base a refold starts from (an unsigned checkpoint), if any. */
export function readBase(db: Db): Uint8Array | undefined {
  const row = db.prepare("SELECT bytes FROM base_state WHERE id = 1").get() as
    | { bytes: Uint8Array }
    | undefined;
  return row?.bytes;
}

/** Encode a base: an unsigned checkpoint, kept only locally (never sent). */
export async function encodeBase(
  state: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
): Promise<Uint8Array> {
  return await makeCheckpoint(state, frontier, meta, UNSIGNED);
}

/** Replace the base a refold starts from (inside the caller's transaction). */
export function storeBase(db: Db, bytes: Uint8Array): void {
  db.prepare("INSERT OR REPLACE INTO base_state VALUES (1, ?)").run(bytes);
}
