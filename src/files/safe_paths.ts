/**
 * @module safe_paths
 * Where writes land. Every write into a folder goes to a path checked by
 * paths.ts, below parents that are real folders — never symlinks — so a
 * link inside the folder (synced or planted) can't redirect a write outside
 * it. Parents are created as needed, one level at a time, each checked.
 *
 * Deno has no openat/O_NOFOLLOW, so a local process that swaps a parent for
 * a symlink between the check and the write could still win a race; the
 * assembler and `folder restore` (restore_version.ts) re-check with
 * realpath right before their renames to shrink that window. Such a
 * process can write into the folder directly anyway.
 *
 * The checks are synchronous (see disk_state.ts `onDisk` for why); only
 * the fsync of a folder goes through the thread pool.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";

function unsafe(reason: string, value: string): MycelError {
  return new MycelError("unsafe_path", "write into folder", reason, {
    value,
    hint: "mycel never writes through symlinked or non-folder parents; move them aside.",
  });
}

/**
 * Make sure every segment of the folder-relative `parent` ("" = the root)
 * is a real folder under the real root `realRoot`, creating missing ones
 * (with `create` false, only what exists is checked: a check before any
 * data has arrived).
 * @throws MycelError `unsafe_path` when a parent is a symlink or not a folder
 */
export function ensureRealParents(realRoot: string, parent: string, create = true): void {
  if (parent === "") return;
  let at = realRoot;
  for (const seg of parent.split("/")) {
    at = join(at, seg);
    let info: Deno.FileInfo | undefined;
    try {
      info = Deno.lstatSync(at);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (info === undefined) {
      if (!create) return;
      try {
        Deno.mkdirSync(at);
      } catch (e) {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      }
      info = Deno.lstatSync(at);
    }
    if (info.isSymlink) throw unsafe("a parent folder is a symlink", at);
    if (!info.isDirectory) throw unsafe("a parent is not a folder", at);
  }
}

/**
 * Check that the folder `abs` really is `expected` (no symlink anywhere on
 * the way), right before a rename into it.
 * @throws MycelError `unsafe_path`
 */
export function assertRealDir(abs: string, expected: string): void {
  const real = Deno.realPathSync(abs);
  if (real !== expected) throw unsafe("a parent folder moved or became a symlink", abs);
}

/** fsync a folder so a rename in it is durable (best effort where unsupported). */
export async function syncDir(abs: string): Promise<void> {
  let dir: Deno.FsFile | undefined;
  try {
    dir = await Deno.open(abs, { read: true });
    await dir.sync();
  } catch {
    // Some file systems refuse fsync on folders; the rename is still atomic.
  } finally {
    dir?.close();
  }
}
