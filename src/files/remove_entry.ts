/**
 * @module remove_entry
 * Apply a deletion from a peer: move the file (or symlink) at a path into
 * `.mycel/versions/` — or remove it when keeping is off — but only if it is
 * still what the caller expected; otherwise report `changed_locally` (a
 * local edit racing a remote delete keeps the edit).
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
import { dropNameFor } from "./folder_layout.ts";
import { holdAside, putBack } from "./held_file.ts";
import { keepVersion } from "./keep_version.ts";
import { baseName, checkRelativePath, parentOf } from "./paths.ts";
import { assertRealDir, syncDir } from "./safe_paths.ts";
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
  if (current === null) return { status: "already_gone" };
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
