/**
 * @module checkpoint_rebase
 * A re-base (docs/trust.md, "Limits"): when our base holds a removed
 * device's changes past its cut (a checkpoint taken before we heard of the
 * removal), a state merge can never take them out. A member's checkpoint that
 * holds none of them and covers everything else our base covers replaces
 * the base instead, and the home folds again from it (the caller: every
 * change we hold as an entry folds on top, so nothing but the removed
 * device's set-aside changes goes). Inside the caller's transaction.
 */

import type { Checkpoint, FrontierHead } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { encodeBase, storeBase } from "./base_state.ts";
import type { Db } from "./db.ts";
import { keepProofs } from "./head_proof.ts";
import type { ImportResult } from "./home_checkpoint.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";

/**
 * Re-base on `cp` when it may replace our base (`base`: its frontier), else
 * undefined (the caller merges it).
 */
export function rebaseOn(
  db: Db,
  state: SqlState,
  log: SqlLog,
  cp: Checkpoint,
  base: readonly FrontierHead[],
): Promise<ImportResult> | undefined {
  const tainted = taintedChains(state, base, cp);
  return mayRebase(base, tainted, cp) ? rebase(db, log, cp, tainted, base) : undefined;
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
  base: readonly FrontierHead[],
): Promise<ImportResult> {
  // The heads' entries `cp` came without (we held the head): our old base's.
  const frontier = keepProofs(cp.frontier, base);
  let advanced = 0;
  const covers = new Map(cp.frontier.map((h) => [h.author, h]));
  for (const author of tainted.keys()) {
    const ours = log.head(author);
    const to = covers.get(author);
    if (ours === undefined || ours.base <= (to?.seq ?? 0)) continue;
    log.asideAfter(author, ours.base, "past_cut");
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
  return encodeBase(cp.state, frontier, { mesh: cp.mesh, made: cp.made }).then((bytes) => {
    storeBase(db, bytes);
    return { added: 0, removed: 0, cutNarrowed: false, advanced, rebased: true };
  });
}
