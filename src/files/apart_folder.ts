/**
 * @module apart_folder
 * Folders inside a synced folder that are not part of it: the mycel home,
 * another folder this device syncs (ScanOptions.exclude, keyed by real
 * path: {@link realOr}), or a folder holding a `.mycel-folder` marker that
 * this folder's state does not hold. The scan leaves them out and never
 * calls their files deleted; applying writes nothing under them. Only a
 * marker *file* counts, and only a small one is read.
 */

import { join } from "node:path";
import { MARKER_NAME } from "./folder_layout.ts";
import { markerFolder } from "./folder_marker.ts";
import { folderIdProblem } from "../log/file_ops.ts";
import type { ScanOptions } from "./scan_types.ts";

/**
 * Why the folder `path` of `root` is not synced as part of it, if it is
 * not: it is one of `exclude` (the mycel home, another folder this device
 * syncs), or it holds a `.mycel-folder` marker file that this folder's
 * state does not hold (`publishedMarker`; see ScanOptions.exclude). The scan leaves
 * such folders out and applying writes nothing under them.
 */
export function apartFolder(
  root: string,
  path: string,
  o: Pick<ScanOptions, "exclude" | "publishedMarker" | "syncedAt">,
): string | undefined {
  const abs = join(root, path);
  const listed = o.exclude?.get(abs);
  if (listed !== undefined) return listed;
  try {
    // Only a file is a marker: a folder of that name is what a member's
    // `sub/.mycel-folder/x` makes (there is no folder kind to refuse).
    if (!Deno.lstatSync(join(abs, MARKER_NAME)).isFile) return undefined;
  } catch {
    return undefined;
  }
  if (o.publishedMarker?.(path)) return undefined; // content a member published
  // Not one of this device's folders (those are in `exclude`, with their own
  // reason): a copy of one, most likely, or one another device syncs on its
  // own. Said as such: "another synced folder" read as if it were synced
  // somewhere, and it was not (found by a review helper).
  const id = markerIdAt(join(abs, MARKER_NAME));
  // A folder this device syncs elsewhere (at a root it no longer holds: it
  // is stopped there) moved in here: "no folder synced here — a copy of
  // one?" was wrong of it and pointed away from `folder move`.
  const at = id === undefined ? undefined : o.syncedAt?.(id);
  if (at !== undefined) {
    return `it holds the marker of folder ${id} (.mycel-folder), which this device syncs at ` +
      `${at}, stopped there: moved here? Its files are left out (a folder can't sync inside ` +
      `another); move it out of this folder, then \`mycel folder move ${id} NEWPATH\``;
  }
  return `it holds the marker of ${
    id === undefined ? "a synced folder" : `folder ${id}`
  } (.mycel-folder) but is no folder synced here — a copy of one? Its files are left out; ` +
    "delete its .mycel-folder to sync them as part of this folder";
}

/** The folder id a small marker file names (undefined when it names none or can't be read). */
function markerIdAt(path: string): string | undefined {
  try {
    // A marker is a line: a large file of that name is not read whole on every scan.
    if (Deno.lstatSync(path).size > 4096) return undefined;
    const bytes = Deno.readFileSync(path);
    const id = markerFolder(new TextDecoder().decode(bytes));
    // Shown to the user: only a well-formed folder id.
    return id !== undefined && folderIdProblem(id) === undefined ? id : undefined;
  } catch {
    return undefined;
  }
}

/** The real path of `path`, or `path` itself when it can't be resolved. */
export function realOr(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}
