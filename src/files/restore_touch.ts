/**
 * @module restore_touch
 * `folder restore` of a kept version whose bytes the file holds already,
 * while the folder's state holds other content at that path
 * (sync/restore_over.ts): there is nothing to put back, only a change to
 * publish. What a scan needs for that (files/scan.ts,
 * sync/folder_scan_changes.ts): it reads a file only when its stat moved
 * (size, mtime, inode, ctime, exec bit), and it publishes a new version
 * only when the content or mtime differ from the version the index held
 * (equal in both, that version is adopted: nothing published). The version
 * it publishes is concurrent with the other device's, and between those
 * the newer mtime wins (files/conflict.ts). So the one thing the publish
 * needs is the mtime, set to now as a restore of other bytes sets its copy's
 * — not the copy written again, nor an identical copy kept under
 * `.mycel/versions` (before, both: issue 13). A link is touched itself,
 * never what it leads to.
 */

import { lutimes } from "node:fs/promises";
import { join } from "node:path";
import { assertMarker } from "./folder_marker.ts";
import { keptIsCurrent } from "./kept_same.ts";
import { parentOf } from "./paths.ts";
import type { KeptVersion } from "./versions.ts";

/**
 * Set the mtime of `rel` in the folder at `root` (and its access time) to
 * `now`, and say whether it still holds what `kept` holds. False when it
 * can't be done here — the folder stopped, a folder on the way a link, the
 * file not this user's to touch, or changed meanwhile — then the caller puts
 * `kept` back the usual way (restore_version.ts), which names what stops it.
 */
export async function touchRestored(
  root: string,
  rel: string,
  kept: KeptVersion,
  now: number,
): Promise<boolean> {
  try {
    const realRoot = await Deno.realPath(root);
    assertMarker(realRoot, "restore file");
    const dir = join(realRoot, parentOf(rel));
    // The file's folder is a real folder in the folder, not reached through a link.
    if (await Deno.realPath(dir) !== dir) return false;
    const path = join(realRoot, rel);
    // lutimes: a link (kept as a link, or swapped in since) is not followed.
    await lutimes(path, new Date(now), new Date(now));
    if ((await Deno.lstat(path)).isFile) {
      using f = await Deno.open(path, { read: true });
      await f.sync();
    }
  } catch {
    return false;
  }
  // Written to meanwhile: its edit is not the restore.
  return await keptIsCurrent(root, rel, kept);
}
