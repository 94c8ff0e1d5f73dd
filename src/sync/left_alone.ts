/**
 * @module left_alone
 * The paths of a synced folder this device leaves alone when it applies the
 * folder state (folder_apply.ts) or overrides it (`folder override`): those
 * its ignore rules name, and those under a folder inside this one that is
 * not synced as part of it (the mycel home, another synced folder).
 */

import { lazyImport } from "../lazy_import.ts";
import { isInternalPath } from "../files/folder_layout.ts";
import { apartFolder, realOr } from "../files/apart_folder.ts";
import type { ScanOptions } from "../files/scan_types.ts";
import { ancestors, relativePathProblem } from "../files/paths.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { apartOptions } from "./folder_scan_apart.ts";

/**
 * Paths of `folder` this device leaves alone: those it ignores (its
 * .mycelignore and its own .mycel/ignore) — neither written, removed nor
 * counted as still to come (before, a path ignored here was overwritten
 * when unchanged, and fetched every round, never written, when changed
 * here) — and anything under the mycel home or another synced folder inside
 * this one (the scan leaves those out; a folder shared before that check
 * may have published the home, and a peer's deletion of it must not reach it).
 */
export async function leftAloneHere(
  home: Home,
  folder: LocalFolder,
): Promise<LeftAlone> {
  const ignoredByRules = await ignoredHere(folder.root);
  const options = apartOptions(home, folder);
  const apart = apartHere(folder.root, options);
  const isApart = apartCheck(folder.root, options);
  const leftAlone = (path: string) => ignoredByRules(path, false) || apart(path);
  // A folder apart is left alone itself too: not given a row here, so no scan
  // (which never walks it) calls it deleted.
  leftAlone.asFolder = (path: string) =>
    ignoredByRules(path, true) || apart(path) ||
    (relativePathProblem(path) === undefined && isApart(path));
  return leftAlone;
}

/**
 * A path this device leaves alone, matched as a file's; `asFolder` matches
 * it as a folder's (a folder version, docs/folders.md "Empty folders"): a
 * rule ending in `/`, the usual `build/`, names folders only, so matched
 * as a file's path the folder was made where the rules keep mycel out; and
 * a folder apart (apartFolder) is left alone as well as what is under it.
 */
export interface LeftAlone {
  (path: string): boolean;
  asFolder(path: string): boolean;
}

/**
 * This device's ignore rules for the folder at `root`. A rules file that
 * can't be read throws `bad_ignore_file` (the scan has stopped the folder
 * for it already): applying without the rules could overwrite what they keep.
 */
async function ignoredHere(root: string): Promise<(path: string, isDir: boolean) => boolean> {
  const { loadIgnoreRules } = await lazyImport<typeof import("../files/ignore_rules.ts")>(
    new URL("../files/ignore_rules.ts", import.meta.url),
  );
  const rules = await loadIgnoreRules(root);
  // mycel's own names (in any case) are not "ignored" here: the write refuses
  // them and says so, a member sending one is worth a line.
  return (path, isDir) => !isInternalPath(path) && rules.isIgnored(path, isDir);
}

/** `paths` without those `ignored` says this device leaves alone. */
export function* withoutIgnored<T>(
  paths: Iterable<[string, T]>,
  ignored: (path: string) => boolean,
): Generator<[string, T]> {
  for (const entry of paths) if (!ignored(entry[0])) yield entry;
}

/** True for a path under a folder inside `root` that is not synced as part of it (apartFolder). */
function apartHere(
  root: string,
  o: Pick<ScanOptions, "exclude" | "publishedMarker">,
): (path: string) => boolean {
  const isApart = apartCheck(root, o);
  return (path) => relativePathProblem(path) === undefined && ancestors(path).some(isApart);
}

/** True for a folder inside `root` that is not synced as part of it (apartFolder), cached. */
function apartCheck(
  root: string,
  o: Pick<ScanOptions, "exclude" | "publishedMarker">,
): (dir: string) => boolean {
  const realRoot = realOr(root);
  const seen = new Map<string, boolean>();
  return (dir: string): boolean => {
    let v = seen.get(dir);
    if (v === undefined) seen.set(dir, v = apartFolder(realRoot, dir, o) !== undefined);
    return v;
  };
}

/**
 * True for a folder inside `folder` (folder-relative) that is not synced as
 * part of it: another synced folder, the mycel home. A walk of the folder's
 * own files (the hourly temp sweep) does not enter it: what is in there is
 * another folder's (its transfers to resume, its holds).
 */
export function apartFolderHere(home: Home, folder: LocalFolder): (dir: string) => boolean {
  return apartCheck(folder.root, apartOptions(home, folder));
}
