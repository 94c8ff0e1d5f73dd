/**
 * @module linked_parent
 * Whether a folder on the way to a path in a synced folder is a symbolic
 * link, and where it leads. mycel syncs a link as a link and never follows
 * it, so `notes/a.txt` with `notes -> archive` names a file under the link
 * `notes`, not `archive/a.txt`: its kept versions are those kept for
 * `notes/a.txt` (from when notes was a folder), and putting one back would
 * write through the link — into `archive/`, or outside the folder. `folder
 * versions` says so; `folder restore` refuses (src/cli/folder_file.ts).
 */

import { join, relative } from "node:path";
import { parentOf, relativePathProblem } from "./paths.ts";

/** A symbolic link among the folders on the way to a path. */
export interface LinkedParent {
  /** The link, folder-relative (`notes`). */
  readonly at: string;
  /**
   * Where it leads, folder-relative, when that is a place the folder syncs
   * ("" = the folder's root); undefined otherwise.
   */
  readonly into?: string;
  /** It leads outside the folder (false also when it leads nowhere that exists). */
  readonly outside: boolean;
}

/**
 * The first folder on the way to the folder-relative `rel` (in the folder
 * whose real path is `realRoot`) that is a symbolic link, nearest the root
 * first; undefined when there is none (missing folders are no links). Only
 * the link found is resolved, to say where it leads.
 */
export function linkedParent(realRoot: string, rel: string): LinkedParent | undefined {
  const parent = parentOf(rel);
  if (parent === "") return undefined;
  let at = "";
  for (const name of parent.split("/")) {
    at = at === "" ? name : `${at}/${name}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(join(realRoot, at));
    } catch {
      return undefined; // missing (or not ours to look at): nothing on the way is a link
    }
    if (info.isSymlink) return { at, ...leadsTo(realRoot, at) };
    if (!info.isDirectory) return undefined;
  }
  return undefined;
}

/** Where the link at `at` leads: a synced place in the folder, outside it, or neither. */
function leadsTo(realRoot: string, at: string): { into?: string; outside: boolean } {
  let real: string;
  try {
    real = Deno.realPathSync(join(realRoot, at));
  } catch {
    return { outside: false }; // dangling, a loop, or a place this user can't look into
  }
  const r = relative(realRoot, real);
  if (r === ".." || r.startsWith("../") || r.startsWith("/")) return { outside: true };
  // Into mycel's own files (.mycel/…): in the folder, but no place it syncs.
  if (r !== "" && relativePathProblem(r) !== undefined) return { outside: false };
  return { into: r, outside: false };
}
