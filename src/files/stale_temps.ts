/**
 * @module stale_temps
 * A crash during a write leaves a `.mycel-tmp-*` file beside its target
 * (never a torn file under the real name) and, in the instant of the swap,
 * a `.mycel-tmp-hold-*` folder holding the file being replaced
 * (place_entry.ts). `removeStaleTemps` deletes the temporary files and puts
 * held files back (held_file.ts: to their name, or into `.mycel/versions/`
 * when the name is taken) — a held file is user data and is never deleted.
 * A `.mycel-tmp-drop-*` folder (a peer's deletion cut short, remove_entry.ts)
 * is finished by keeping its file under `.mycel/versions/`: putting it back
 * would resurrect a deleted file as a new one.
 * Only entries older than an hour are touched — by ctime, which every
 * write and the final utime refresh, so a live write in another process is
 * never touched. Symlinks and `.mycel/` are not entered; a link or special
 * file at a temporary name is removed itself, never followed. Hold folders a
 * scan saw are settled sooner, once {@link STALE_HOLD_MS} old
 * ({@link settleStaleHolds}); with either, a held file whose path the
 * folder deleted meanwhile is kept under `.mycel/versions/` rather than put
 * back.
 */

import { join } from "node:path";
import { INTERNAL_DIR, isDropName, isHeldName, TEMP_PREFIX } from "./folder_layout.ts";
import { settleHold } from "./held_file.ts";

/** Default age after which a temporary file is stale (ms). */
export const STALE_TEMP_MS = 3600 * 1000;

/**
 * Default age after which a hold or drop folder a scan saw is settled
 * ({@link settleStaleHolds}, ms). A live swap holds a file for milliseconds;
 * until the hold is settled its name is empty and a peer's newer version of
 * that path is refused. Even a swap only paused (a suspended laptop) loses
 * nothing to an early settlement: neither side ever moves a file over
 * another — the held file goes back to its name or into `.mycel/versions/`,
 * and the paused write fails or keeps what it finds. `sync now` settles
 * at once (it holds the round guard: no live round is inside a swap).
 */
export const STALE_HOLD_MS = 5 * 60 * 1000;

/**
 * Settle the hold and drop folders `holds` (folder-relative, as a scan
 * reports them) not changed for `olderThanMs`: held files back to their
 * names, drops into `.mycel/versions/` (see the module comment). Returns
 * the ones settled; one that can't be settled now waits for the next call.
 * Cheaper than {@link removeStaleTemps}, which walks the whole folder (hourly).
 *
 * `deleted` names the paths the folder deleted since: a hold whose files
 * are all such is kept under `.mycel/versions/` like a drop. Put back, the
 * file of a write cut short came back as a new file after another device
 * deleted it (a scan never takes a held name for a deletion, and applying
 * the deletion found its name empty), undoing the deletion everywhere.
 */
export async function settleStaleHolds(
  root: string,
  holds: readonly string[],
  options: { now?: number; olderThanMs?: number; deleted?: (path: string) => boolean } = {},
): Promise<string[]> {
  const now = options.now ?? Date.now();
  const cutoff = now - (options.olderThanMs ?? STALE_HOLD_MS);
  const realRoot = Deno.realPathSync(root);
  const settled: string[] = [];
  for (const path of holds) {
    const slash = path.lastIndexOf("/");
    const dirRel = slash < 0 ? "" : path.slice(0, slash);
    const name = path.slice(slash + 1);
    if (
      isHeldName(name) &&
      await settleIfStale(realRoot, dirRel, name, cutoff, now, options.deleted)
    ) {
      settled.push(path);
    }
  }
  return settled;
}

/** Last change (ctime, else mtime) of `abs` before `cutoff`; false when gone. */
function changedBefore(abs: string, cutoff: number): boolean {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(abs);
  } catch {
    return false; // settled or removed meanwhile
  }
  const changed = info.ctime?.getTime() ?? info.mtime?.getTime();
  return changed !== undefined && changed < cutoff;
}

/**
 * The entry `name` in `dirRel` is no folder (lstat: a link is not followed)
 * and did not change since `cutoff`, and `dirRel` is still the folder the
 * walk listed, not a link swapped in since to take the removal elsewhere.
 */
function staleEntry(realRoot: string, dirRel: string, name: string, cutoff: number): boolean {
  const dir = join(realRoot, dirRel);
  try {
    if (Deno.lstatSync(join(dir, name)).isDirectory || Deno.realPathSync(dir) !== dir) {
      return false;
    }
  } catch {
    return false; // gone meanwhile
  }
  return changedBefore(join(dir, name), cutoff);
}

/**
 * Settle the hold or drop folder `name` in `dirRel` if it did not change
 * since `cutoff`: a hold goes back — unless every file in it is at a path
 * `deleted` names — a drop into versions. One that can't be settled now (a
 * name problem, a full disk) stays for the next try.
 */
async function settleIfStale(
  realRoot: string,
  dirRel: string,
  name: string,
  cutoff: number,
  now: number,
  deleted?: (path: string) => boolean,
): Promise<boolean> {
  const abs = join(realRoot, dirRel, name);
  if (!changedBefore(abs, cutoff)) return false;
  let how: "keep" | "put_back" = isDropName(name) ? "keep" : "put_back";
  if (how === "put_back" && deleted !== undefined) {
    try {
      const entries = [...Deno.readDirSync(abs)];
      const held = entries.map((e) => dirRel === "" ? e.name : `${dirRel}/${e.name}`);
      // A folder a hold caught (a user's, swapped in at that instant) goes
      // back whatever the state says: kept aside, its files would be
      // published as deleted by the next scan (a review).
      if (held.length > 0 && !entries.some((e) => e.isDirectory) && held.every(deleted)) {
        how = "keep";
      }
    } catch {
      return false; // settled or removed meanwhile: the next try sees
    }
  }
  return await settleHold(realRoot, dirRel, name, now, how).then(() => true, () => false);
}

/**
 * Delete stale temporary files under `root` (except those named in `keep`:
 * transfers that will resume) and settle stale holds as
 * {@link settleStaleHolds} does — `deleted` alike: a held file whose path
 * the folder deleted since goes into `.mycel/versions/`, not back (without
 * it, the hourly sweep undid such a deletion). Folders `apart` names are
 * not entered: another synced folder inside this one has its own transfers
 * to resume and its own state (found by a review: the outer folder's sweep
 * deleted an inner folder's resumable temporary file once an hour old).
 * Returns the folder-relative paths of the temporary files and hold folders
 * it removed.
 */
export async function removeStaleTemps(
  root: string,
  options: {
    olderThanMs?: number;
    now?: number;
    keep?: ReadonlySet<string>;
    deleted?: (path: string) => boolean;
    /** Folders not to enter (folder-relative): another synced folder inside this one, the home. */
    apart?: (dir: string) => boolean;
  } = {},
): Promise<string[]> {
  const now = options.now ?? Date.now();
  const cutoff = now - (options.olderThanMs ?? STALE_TEMP_MS);
  const realRoot = await Deno.realPath(root);
  const removed: string[] = [];
  const walk = async (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(realRoot, rel)));
    } catch {
      return; // unreadable or gone: nothing to clean here
    }
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory && isHeldName(e.name)) {
        if (await settleIfStale(realRoot, rel, e.name, cutoff, now, options.deleted)) {
          removed.push(path);
        }
        continue;
      }
      if (e.isDirectory && !(rel === "" && e.name === INTERNAL_DIR) && !options.apart?.(path)) {
        await walk(path);
      }
      // Exactly as mycel spells them: a user's `.MYCEL-TMP-…` file is not ours to delete.
      if (e.isDirectory || !e.name.startsWith(TEMP_PREFIX) || options.keep?.has(e.name)) continue;
      // Not only regular files: a link (a kept transfer's file replaced by
      // one, a link restored or applied cut short before its rename) or a
      // pipe at such a name stayed for good. Removing one removes the entry
      // itself, never what a link leads to.
      if (staleEntry(realRoot, rel, e.name, cutoff)) {
        await Deno.remove(join(realRoot, path)).catch(() => {});
        removed.push(path);
      }
    }
  };
  await walk("");
  return removed.sort();
}
