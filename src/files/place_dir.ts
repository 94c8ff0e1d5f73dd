/**
 * @module place_dir
 * A synced folder's sub-folder as an item of its own (docs/folders.md
 * "Empty folders"): made when a peer's folder version arrives, removed when
 * its removal does — inside the synced folder only, never through a link
 * (every folder on the way is checked as place_entry checks a file's), and
 * never with anything in it: a folder holding a file this device does not
 * sync (an ignored one, one new here) stays, and the caller says so.
 */

import { join } from "node:path";
import { assertMarker } from "./folder_marker.ts";
import { isInternalPath } from "./folder_layout.ts";
import { checkRelativePath, parentOf } from "./paths.ts";
import { ensureRealParents } from "./safe_paths.ts";

/**
 * Make the folder `rel` in the synced folder `root`, and every folder on
 * the way (none of them a link); nothing when it is there already.
 * @throws MycelError `bad_path`, `folder_stopped`, `unsafe_path` (a link or
 * a file on the way, or at `rel` itself)
 */
export function makeFolder(root: string, rel: string): void {
  checkRelativePath(rel);
  if (isInternalPath(rel)) return; // never mycel's own, whatever a peer says
  assertMarker(root, "make folder");
  ensureRealParents(Deno.realPathSync(root), rel);
}

/** What {@link removeEmptyFolder} found. */
export type FolderRemoval = "removed" | "gone" | "not_empty" | "not_a_folder";

/**
 * Remove the folder `rel` of `root` if it is empty (one rmdir: whatever a
 * save put there meanwhile keeps it). A link or a file at `rel`, or a link
 * on the way, is left alone (`not_a_folder`).
 * @throws MycelError `bad_path`, `folder_stopped`
 */
export function removeEmptyFolder(root: string, rel: string): FolderRemoval {
  checkRelativePath(rel);
  if (isInternalPath(rel)) return "not_a_folder";
  assertMarker(root, "remove folder");
  const realRoot = Deno.realPathSync(root);
  try {
    ensureRealParents(realRoot, parentOf(rel), false);
  } catch {
    return "not_a_folder";
  }
  const abs = join(realRoot, rel);
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(abs);
  } catch {
    return "gone";
  }
  if (!info.isDirectory) return "not_a_folder";
  try {
    Deno.removeSync(abs); // not recursive: fails unless empty
    return "removed";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "gone";
    return "not_empty";
  }
}
