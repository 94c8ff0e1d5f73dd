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
 */

import type { ChunkRef } from "../log/chunk_list.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import type { StatKey } from "../files/scan_file.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow, LoadedIndex } from "../storage/sql_folder_local.ts";

/** The scan's `sameFile` over `index` (its rows by inode made at the first ask). */
export function sameFileIn(
  home: Home,
  index: LoadedIndex,
): (path: string, key: StatKey) => Promise<readonly ChunkRef[] | undefined> {
  let byIno: Map<number, IndexRow[]> | undefined;
  return async (path, key) => {
    if (key.ino === 0) return undefined;
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
      r.ctimeMs === key.ctimeMs && r.exec === key.exec
    );
    if (row === undefined) return undefined;
    try {
      const v = decodeFileVersion(row.version!);
      if (v.kind !== "file" || v.size !== key.size) return undefined;
      return await resolveChunkList(v.chunks, v.size, (h) => home.folderLocal.blob(h));
    } catch {
      return undefined; // a manifest not kept here: the file is read
    }
  };
}
