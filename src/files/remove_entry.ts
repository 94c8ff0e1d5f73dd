/**
 * @module remove_entry
 * Apply a deletion from a peer: move the file (or symlink) at a path into
 * `.mycel/versions/` — or remove it when keeping is off — but only if it is
 * still what the caller expected; otherwise report `changed_locally` (a
 * local edit racing a remote delete keeps the edit). A folder now at the
 * name is `already_gone`: the file was replaced here, the folder stays.
 *
 * The entry is first moved into a `.mycel-tmp-drop-*` folder beside it and
 * checked again there (as place_entry does for a replace), so a save that
 * lands between the check and the removal goes back to its name rather
 * than into versions or away. A kill while held leaves the folder to the
 * stale-temp sweep, which keeps the file under `.mycel/versions/` (the
 * deletion finished, nothing lost; putting it back would resurrect it).
 */

import { join } from "node:path";
import { assertMarker } from "./folder_marker.ts";
import { dropNameFor, isHeldName, isInternalPath } from "./folder_layout.ts";
import { holdAside, putBack } from "./held_file.ts";
import { keepVersion } from "./keep_version.ts";
import { ancestors, baseName, checkRelativePath, parentOf, relativePathProblem } from "./paths.ts";
import { assertRealDir, ensureRealParents, syncDir } from "./safe_paths.ts";
import { type ExpectedEntry, matchesExpected, type OnDisk, onDisk } from "./disk_state.ts";

/** How to delete. */
export interface RemoveOptions {
  /** What the caller expects at the path (a deletion of nothing is a no-op). */
  readonly expected: ExpectedEntry;
  /** Keep the removed entry under `.mycel/versions/` (default true). */
  readonly keepRemoved?: boolean;
  /** Clock for the kept version's stamp (default Date.now). */
  readonly now?: () => number;
  /**
   * Test seam: runs after the last check ("checked") and, once the entry is
   * held aside, after it is checked again ("held").
   */
  readonly beforeRemove?: (step: "checked" | "held") => Promise<void> | void;
}

/** The outcome of a deletion. */
export type RemoveResult =
  | { readonly status: "removed"; readonly keptAs?: string }
  | { readonly status: "already_gone" }
  | { readonly status: "changed_locally"; readonly current: OnDisk | null };

/**
 * Delete the file or symlink at folder-relative `relPath`.
 * @throws MycelError `bad_path`, `folder_stopped`, `unsafe_path`
 */
export async function removeEntry(
  root: string,
  relPath: string,
  options: RemoveOptions,
): Promise<RemoveResult> {
  checkRelativePath(relPath);
  assertMarker(root, "delete file");
  const realRoot = Deno.realPathSync(root);
  const dirAbs = join(realRoot, parentOf(relPath));
  try {
    assertRealDir(dirAbs, dirAbs);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return { status: "already_gone" };
    }
    throw e;
  }
  const abs = join(dirAbs, baseName(relPath));
  const current = onDisk(abs);
  // A folder at the name (not a link to one): the file or link to delete is
  // gone already — this device made its name a folder, whose files are paths
  // of their own. Taken for a local edit, it kept the file's index row: a
  // deletion held as a mass deletion, or one a killed swap's hold kept from
  // being published, never ended (tests/folders/kind_change_held_test.ts).
  // A special file (FIFO, socket, device) likewise: the user put it there in
  // place of the file, the scan never syncs nor deletes it, so it is no edit
  // that could win — taken for one, the deletion was said as losing to "the
  // edit" and counted as still to come, every round, for ever
  // (tests/folders/special_in_way_test.ts). It stays where it is.
  if (current === null || current.kind === "folder" || current.kind === "other") {
    return { status: "already_gone" };
  }
  if (!matchesExpected(current, options.expected)) return { status: "changed_locally", current };
  await options.beforeRemove?.("checked");
  // Hold the entry aside first (one rename captures whatever is at the name
  // right now), then check what was caught: a save after the check above is
  // put back instead of being kept away or removed.
  const stamp = () => options.now?.() ?? Date.now();
  const dirRel = parentOf(relPath);
  const holdName = dropNameFor();
  const hold = holdAside(abs, holdName);
  if (hold === undefined) return { status: "already_gone" };
  const { held, holdDir } = hold;
  let settled = false;
  try {
    if (!matchesExpected(onDisk(held), options.expected)) {
      await putBack(realRoot, dirRel, holdName, stamp());
      settled = true;
      return { status: "changed_locally", current: onDisk(abs) };
    }
    await options.beforeRemove?.("held");
    let keptAs: string | undefined;
    if (options.keepRemoved === false) Deno.removeSync(held);
    else keptAs = await keepVersion(realRoot, relPath, "move", stamp(), held);
    settled = true;
    Deno.removeSync(holdDir);
    await syncDir(dirAbs);
    return { status: "removed", keptAs };
  } finally {
    if (!settled) await putBack(realRoot, dirRel, holdName, stamp()).catch(() => {});
  }
}

/**
 * Remove the folders that `removed` (paths this round deleted) left empty,
 * deepest first, up to but never including the root, never mycel's own.
 * Folders are not synced: without this, a folder renamed or deleted on
 * another device stayed here as an empty husk. A folder a local save put
 * something into meanwhile stays (rmdir removes only an empty folder, in
 * one step); a link or anything else where a folder was is left alone, and
 * so is a folder `keep` names (one synced as a folder of its own,
 * sync/folder_apply_dirs.ts).
 */
export function removeEmptyParents(
  root: string,
  removed: readonly string[],
  keep: (rel: string) => boolean = () => false,
): string[] {
  const realRoot = Deno.realPathSync(root);
  const folders = new Set<string>();
  for (const path of removed) {
    if (relativePathProblem(path) !== undefined) continue; // never a removed path's
    for (const a of ancestors(path)) folders.add(a);
  }
  const gone: string[] = [];
  const deepestFirst = [...folders].sort((a, b) => b.split("/").length - a.split("/").length);
  for (const rel of deepestFirst) {
    if (isInternalPath(rel) || isHeldName(baseName(rel)) || keep(rel)) continue;
    const abs = join(realRoot, rel);
    try {
      // Every folder on the way is a real folder of the root (no link followed).
      ensureRealParents(realRoot, parentOf(rel), false);
      if (!Deno.lstatSync(abs).isDirectory) continue;
      Deno.removeSync(abs); // not recursive: fails unless empty
      gone.push(rel);
    } catch {
      // not empty, gone already, or not ours to judge: it stays
    }
  }
  return gone;
}
