/**
 * @module folder_scan_same
 * For a scan (files/scan.ts `sameFile`): the chunks of a file this folder's
 * index holds at another path with the very stat a new path has — inode,
 * size, mtime, ctime, exec bit. Renaming a folder changes none of these for
 * the files in it, so after `mv photos "photos 2026"` the scan takes each
 * file's chunk list from its old row instead of reading it again: a 3.6 GB
 * folder renamed here took the scan 33 s, all of it hashing what the index
 * already said. The version the old row holds names the chunks (inline, or
 * a manifest this home keeps); a file whose list can't be had is read.
 * Apart because it is the one place a scan trusts a row of another path.
 *
 * Inode numbers are per file system, and the index keeps no device: two
 * small file systems (tmpfs, USB sticks) number their files alike, and
 * files written there in one clock tick (8 ms here) with a time set by
 * `touch -d`, `tar` or `cp -p` share inode, size, mtime and ctime with
 * other bytes. A file on a file system mounted inside the folder then took
 * the chunk list of its twin on another one, and those wrong chunks were
 * published (other devices got the twin's bytes) and never read again. A
 * rename never crosses file systems, so only a file on the folder root's
 * own file system is taken this way, and only when its old path no longer
 * holds that inode number (an old path still there is another file, or
 * the same one under two names, and is read).
 *
 * Deno gives ctime in whole seconds, so a file deleted and another made
 * in the second its row was scanned (the freed inode is given again at
 * once on ext4: 1 try in 3 here) with its size and a time set shares the
 * whole stat too, and was published with the deleted file's chunks (the
 * other device was then sent bytes that are not them, every round). So
 * the first and last chunks of the list are read and hashed from the new
 * file before the list is taken: a few MiB at most, not the whole file.
 */

import { join } from "node:path";
import { loadBlake3 } from "../files/chunk_hash.ts";
import { readIntoAtSync } from "../files/chunk_sources.ts";

import type { ChunkRef } from "../log/chunk_list.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import type { StatKey } from "../files/scan_file.ts";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow, LoadedIndex } from "../storage/sql_folder_local.ts";

/** What is at `abs` now (undefined: nothing, or it can't be looked at). */
function lstatOrUndefined(abs: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(abs);
  } catch {
    return undefined;
  }
}

/**
 * Whether the regular file at `abs` with inode `ino` holds the first and
 * last chunks of `list` where the list puts them.
 */
async function endsMatch(abs: string, ino: number, list: readonly ChunkRef[]): Promise<boolean> {
  if (list.length === 0) return false;
  const blake3 = await loadBlake3();
  // Not through a link nor waiting on a FIFO swapped in since the look.
  await loadOpenNoFollow();
  using file = openNoFollowSync(abs);
  if (file === undefined) return false;
  const info = file.statSync();
  if (!info.isFile || info.ino !== ino) return false;
  const total = list.reduce((n, c) => n + c.length, 0);
  if (total !== info.size) return false;
  const ends = list.length === 1
    ? [{ at: 0, c: list[0] }]
    : [{ at: 0, c: list[0] }, { at: total - list.at(-1)!.length, c: list.at(-1)! }];
  for (const { at, c } of ends) {
    const into = new Uint8Array(c.length);
    if (!readIntoAtSync(file, at, into) || blake3(into) !== c.hash) return false;
  }
  return true;
}

/** The device of the folder root (its real place); -1 when it can't be had. */
function statDev(root: string): number {
  try {
    return Deno.statSync(root).dev;
  } catch {
    return -1;
  }
}

/**
 * The scan's `sameFile` over `index` of the folder at `root` (its rows by
 * inode made at the first ask).
 */
export function sameFileIn(
  home: Home,
  index: LoadedIndex,
  root: string,
): (path: string, key: StatKey, dev: number) => Promise<readonly ChunkRef[] | undefined> {
  let byIno: Map<number, IndexRow[]> | undefined;
  let rootDev: number | undefined;
  return async (path, key, dev) => {
    if (key.ino === 0) return undefined;
    rootDev ??= statDev(root);
    if (dev !== rootDev) return undefined; // another file system: its own inode numbers
    if (byIno === undefined) {
      byIno = new Map();
      for (const row of index.rows.values()) {
        if (row.kind !== "file" || row.ino === 0 || row.version === null) continue;
        const list = byIno.get(row.ino);
        if (list === undefined) byIno.set(row.ino, [row]);
        else list.push(row);
      }
    }
    const row = byIno.get(key.ino)?.find((r) =>
      r.path !== path && r.size === key.size && r.mtimeMs === key.mtimeMs &&
      r.ctimeMs === key.ctimeMs && r.exec === key.exec && r.racy !== true
    );
    if (row === undefined) return undefined;
    // Still there with that number: a twin on another file system, or a hard link.
    if (lstatOrUndefined(join(root, row.path))?.ino === key.ino) return undefined;
    try {
      const v = decodeFileVersion(row.version!);
      if (v.kind !== "file" || v.size !== key.size) return undefined;
      const list = await resolveChunkList(v.chunks, v.size, (h) => home.folderLocal.blob(h));
      // Another file in the old one's inode (see the module comment): read whole.
      return await endsMatch(join(root, path), key.ino, list) ? list : undefined;
    } catch {
      return undefined; // a manifest not kept here, a file gone: the file is read
    }
  };
}
