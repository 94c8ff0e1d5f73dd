/**
 * @module write_symlink
 * Apply a symlink version: create the link under a temporary name beside
 * the target and put it in place (place_entry.ts) — the same guarantees as
 * assemble.ts (never a local save overwritten, expected-state check,
 * replaced entry kept, no symlinked parents). The link is created, never
 * followed: hard-linking it into place links the symlink itself.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { type ExpectedEntry, matchesExpected, onDisk, type WriteResult } from "./disk_state.ts";
import { tempNameFor } from "./folder_layout.ts";
import { nameRefused } from "./fs_names.ts";
import { assertMarker } from "./folder_marker.ts";
import { baseName, checkRelativePath, parentOf } from "./paths.ts";
import { ensureRealParents } from "./safe_paths.ts";
import { placeEntry } from "./place_entry.ts";
import { symlinkTargetProblem } from "../log/symlink_target.ts";

/** How to write a link. */
export interface SymlinkOptions {
  /** What the caller expects to replace, or null for nothing. */
  readonly expected: ExpectedEntry;
  /** Keep a replaced entry under `.mycel/versions/` (default true). */
  readonly keepReplaced?: boolean;
  /** Clock for the kept version's stamp (default Date.now). */
  readonly now?: () => number;
}

/**
 * Make `relPath` a symlink to `target`.
 * @throws MycelError `bad_path`, `bad_symlink`, `folder_stopped`, `unsafe_path`,
 * `symlinks_unsupported`, `name_refused`
 */
export async function writeSymlink(
  root: string,
  relPath: string,
  target: string,
  options: SymlinkOptions,
): Promise<WriteResult> {
  checkRelativePath(relPath);
  const problem = symlinkTargetProblem(target);
  if (problem !== undefined) {
    throw new MycelError("bad_symlink", "write symlink", problem, { value: relPath });
  }
  assertMarker(root, "write symlink");
  const realRoot = Deno.realPathSync(root);
  const parent = parentOf(relPath);
  ensureRealParents(realRoot, parent);
  const dirAbs = join(realRoot, parent);
  const abs = join(dirAbs, baseName(relPath));
  const before = onDisk(abs);
  if (!matchesExpected(before, options.expected)) {
    return { status: "changed_locally", current: before };
  }
  const temp = join(dirAbs, tempNameFor(baseName(relPath)));
  let placed = false;
  try {
    try {
      await Deno.symlink(target, temp);
    } catch (e) {
      throw noLinksHere(e) ? unsupported(relPath, e) : nameRefused(relPath, e, dirAbs) ?? e;
    }
    const r = await placeEntry(realRoot, relPath, temp, options);
    placed = r.status === "written";
    return r;
  } finally {
    if (!placed) await Deno.remove(temp).catch(() => {});
  }
}

/**
 * True when a symlink() failed because the file system has no symbolic
 * links: FAT and exFAT refuse it with EPERM (the kernel's drivers) or
 * ENOSYS / EOPNOTSUPP (FUSE drivers such as exfat-fuse).
 */
function noLinksHere(e: unknown): boolean {
  // EPERM only: EACCES (no write access to the folder) is another story.
  if (e instanceof Deno.errors.PermissionDenied && (e as { code?: string }).code === "EPERM") {
    return true;
  }
  if (e instanceof Deno.errors.NotSupported) return true;
  return e instanceof Error && /\(os error (38|95)\)/.test(e.message);
}

function unsupported(relPath: string, cause: unknown): MycelError {
  return new MycelError(
    "symlinks_unsupported",
    "write symlink",
    "this folder's file system can't hold symbolic links",
    { value: relPath, cause },
  );
}
