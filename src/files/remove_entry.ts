/**
 * @module remove_entry
 * Apply a deletion from a peer: move the file (or symlink) at a path into
 * `.mycel/versions/` — or remove it when keeping is off — but only if it is
 * still what the caller expected; otherwise report `changed_locally` (a
 * local edit racing a remote delete keeps the edit).
 */

import { join } from "node:path";
import { assertMarker } from "./folder_marker.ts";
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
  const realRoot = await Deno.realPath(root);
  const dirAbs = join(realRoot, parentOf(relPath));
  try {
    await assertRealDir(dirAbs, dirAbs);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return { status: "already_gone" };
    }
    throw e;
  }
  const abs = join(dirAbs, baseName(relPath));
  const current = await onDisk(abs);
  if (current === null) return { status: "already_gone" };
  if (!matchesExpected(current, options.expected)) return { status: "changed_locally", current };
  if (options.keepRemoved === false) {
    await Deno.remove(abs);
    await syncDir(dirAbs);
    return { status: "removed" };
  }
  const keptAs = await keepVersion(realRoot, relPath, "move", options.now?.() ?? Date.now());
  await syncDir(dirAbs);
  return { status: "removed", keptAs };
}
