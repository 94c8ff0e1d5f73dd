/**
 * @module folder_conflicts
 * What `folder conflicts` shows: the paths of a folder whose concurrent
 * versions differ in content, the conflict copies in it, which conflicts
 * wait on a device removed since (counted as `folder status` counts them:
 * both read folder_winners.ts), and which can't be ended here because the
 * merge's version vector could not be built.
 */

import { isConflictCopy, sameContent } from "../files/conflict.ts";
import { decodeFileVersion } from "../files/file_version.ts";
import { builtVvProblem, bumpVv, mergeVv, type VersionVector } from "../files/version_vector.ts";
import type { Home } from "../storage/home_handle.ts";
import { removedMaker, winners } from "./folder_winners.ts";

/** A conflict that waits for a version only a device removed since had. */
export interface StuckConflict {
  readonly path: string;
  /** Names of the removed devices whose versions it waits for. */
  readonly makers: string[];
}

/**
 * Conflicting paths and conflict copies of `folder`. A conflict resolves once
 * every version's content is here; `waitingOnRemoved` lists those waiting
 * for a version whose maker was removed since (a loser not copied yet, or a
 * winner this disk does not hold), which may never come (see `folder
 * status`, which counts the same files); absent when there are none.
 * `ignoredHere` lists the copies `ignored` names: never written here, so
 * not on this disk (absent when none).
 */
export function folderConflicts(
  home: Home,
  folder: string,
  ignored: (path: string) => boolean = () => false,
): {
  unresolved: string[];
  copies: string[];
  waitingOnRemoved?: StuckConflict[];
  cannotEnd?: { path: string; reason: string }[];
  ignoredHere?: string[];
} {
  const unresolved: string[] = [], copies: string[] = [];
  const waitingOnRemoved: StuckConflict[] = [];
  const cannotEnd: { path: string; reason: string }[] = [];
  const index = home.folderLocal.index(folder);
  for (const w of winners(home.view.folders(), folder)) {
    if (w.conflict) {
      unresolved.push(w.path);
      const makers = new Set<string>();
      for (const l of w.losers) {
        const name = removedMaker(home, l.version, l.maker);
        if (name !== undefined) makers.add(name);
      }
      const row = index.rows.get(w.path);
      const held = row?.version ? decodeFileVersion(row.version) : undefined;
      const name = removedMaker(home, w.version, w.maker);
      if (name !== undefined && !(held !== undefined && sameContent(held, w.version))) {
        makers.add(name);
      }
      if (makers.size > 0) waitingOnRemoved.push({ path: w.path, makers: [...makers].sort() });
      // The merge that would end it (folder_apply_merge.ts) can't be made here.
      let vv: VersionVector = new Map();
      for (const v of w.versions) vv = mergeVv(vv, v.vv);
      const reason = builtVvProblem(bumpVv(vv, home.device.id));
      if (reason !== undefined) cannotEnd.push({ path: w.path, reason });
    }
    if (w.version.kind !== "deleted" && isConflictCopy(w.path)) copies.push(w.path);
  }
  const ignoredHere = copies.filter(ignored);
  // Absent when none, as on `folder status` rows.
  return {
    unresolved,
    copies,
    ...(waitingOnRemoved.length > 0 ? { waitingOnRemoved } : {}),
    ...(cannotEnd.length > 0 ? { cannotEnd } : {}),
    ...(ignoredHere.length > 0 ? { ignoredHere } : {}),
  };
}
