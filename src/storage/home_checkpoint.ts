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
 * Except a re-base (checkpoint_rebase.ts): a checkpoint that lets a base
 * holding a removed device's changes past its cut start again without them
 * replaces it instead of being joined.
 */

import { type Checkpoint, type FrontierHead, makeCheckpoint } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { Signer } from "../log/identity.ts";
import { type MergeResult, mergeState } from "../log/state_merge.ts";
import { MemoryState } from "../log/state_memory.ts";
import { encodeBase, readBaseCheckpoint, readBaseFrontier, storeBase } from "./base_state.ts";
import { rebaseOn } from "./checkpoint_rebase.ts";
import { keepProofs, refuseForkedFrontier, sameHead } from "./head_proof.ts";
import type { Db } from "./db.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";

/** What a peer holds of each chain: the seq and hash where its chain ends. */
export type KnownHeads = ReadonlyMap<
  DeviceKey,
  { readonly seq: number; readonly hash: Uint8Array }
>;

/**
 * The heads a checkpoint of this home covers, each with its author's signed
 * entry there: from the log, or, for a chain held only as far as its base
 * (compacted, or taken from a checkpoint), the one the base keeps. A base
 * stored before heads carried entries has none: such a head goes without,
 * and a member that needs it refuses the checkpoint.
 *
 * `known`: the heads of the peer it is for, when a checkpoint with every
 * entry would not fit (exchange_send.ts). A head equal to the peer's own
 * goes without its entry: the peer checks it against the end of its chain,
 * and the entry (up to 1 MiB each) would only take room in the checkpoint's
 * 64 MiB. Without `known` (a newcomer, or any peer while it fits) every head
 * has its entry.
 */
export async function frontierOf(
  db: Db,
  log: SqlLog,
  known?: KnownHeads,
): Promise<FrontierHead[]> {
  let base: Map<DeviceKey, FrontierHead> | undefined;
  const out: FrontierHead[] = [];
  for (const [author, h] of log.heads()) {
    if (sameHead(h, known?.get(author))) {
      out.push({ author, seq: h.seq, hash: h.hash });
      continue;
    }
    let proof = log.entryAt(author, h.seq);
    if (proof === undefined) {
      base ??= await baseHeads(db);
      const kept = base.get(author);
      if (sameHead(h, kept)) proof = kept!.proof;
    }
    out.push({ author, seq: h.seq, hash: h.hash, ...(proof ? { proof } : {}) });
  }
  return out;
}

/** The stored base's heads, by author (none without a base). */
async function baseHeads(db: Db): Promise<Map<DeviceKey, FrontierHead>> {
  return new Map(((await readBaseFrontier(db)) ?? []).map((h) => [h.author, h]));
}

/** Make a signed checkpoint of the current state (for a peer holding `known`, if given). */
export async function checkpointOut(
  db: Db,
  state: SqlState,
  log: SqlLog,
  meta: { mesh: string; made: number },
  signer: Signer,
  known?: KnownHeads,
): Promise<Uint8Array> {
  return await makeCheckpoint(state, await frontierOf(db, log, known), meta, signer);
}

/** What taking a checkpoint did. */
export interface ImportResult extends MergeResult {
  /** Chains that now start at the checkpoint's head. */
  advanced: number;
  /** It replaced a base that held a removed device's changes past the cut (fold again). */
  rebased: boolean;
}

/** Check `cp` against our log, join it into our state, advance chains, update the base. */
export async function checkpointIn(
  db: Db,
  state: SqlState,
  log: SqlLog,
  cp: Checkpoint,
): Promise<ImportResult> {
  refuseForkedFrontier(log, cp.frontier);
  const prev = await readBaseCheckpoint(db);
  const rebased = prev && rebaseOn(db, state, log, cp, prev.frontier);
  if (rebased) return rebased;
  // A checkpoint covering no entry we lack brings nothing a state merge
  // should take: what it differs in can only be its signer's word.
  if (!cp.frontier.some((f) => f.seq > (log.head(f.author)?.seq ?? 0))) {
    return { added: 0, removed: 0, cutNarrowed: false, advanced: 0, rebased: false };
  }
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
      // At an equal seq the newer one: it may carry the entry an old base lacks.
      if ((heads.get(h.author)?.seq ?? 0) <= h.seq) heads.set(h.author, h);
    }
    frontier = keepProofs([...heads.values()], prev.frontier);
  }
  storeBase(db, await encodeBase(base, frontier, { mesh: cp.mesh, made: cp.made }));
  return { ...merged, advanced, rebased: false };
}
