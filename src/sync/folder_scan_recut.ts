/**
 * @module folder_scan_recut
 * Whether a file found in another folder holds a deleted file's content
 * (folder_scan_moves.ts). Each folder cuts its files with its own seed
 * (folder_scan_read.ts), so the same bytes have different chunk lists in
 * two folders once a file is longer than the minimum chunk: such a file is
 * read again with the deleting folder's cut and its list compared. Only
 * files of the deleted size are read, each at most once a folder, and
 * only for folders whose losses would be asked about. Apart because it is
 * the one part of finding moves that reads file content.
 */

import { join } from "node:path";
import { sameContent } from "../files/version_content.ts";
import { ContentChunker } from "../files/content_chunker.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { ChunkList } from "../log/chunk_list.ts";
import { makeChunkList } from "../files/manifest_tree.ts";
import { chunkFile, statKey } from "../files/scan_file.ts";
import { ScanStop } from "../files/scan_stop.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { chunkSettings } from "./folder_scan_read.ts";

/** A file in a folder synced here that may hold a deleted file's content. */
export interface Found {
  readonly folder: string;
  /** Its folder's root. */
  readonly root: string;
  readonly path: string;
  /** Its stat as its folder's scan or index recorded it. */
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  /** Its version there (the vector does not matter). */
  readonly version: FileVersion;
  /**
   * The inode its folder's index held at its path before this command,
   * when that was this content (unchanged, or re-read for a new stat
   * only): a copy the folder had already is no move unless it is the very
   * file (folder_scan_moves.ts).
   */
  readonly seenIno?: number;
}

/**
 * A test of whether a found file holds `v`, a file deleted from `folder`:
 * it is still on disk as recorded, and its chunk list, cut as `folder` cuts,
 * is `v`'s. Ctrl-C (`signal`) stops a read at once.
 */
export function recutMatches(
  home: Home,
  folder: LocalFolder,
  signal?: AbortSignal,
): (x: Found, v: FileVersion & { kind: "file" }) => Promise<boolean> {
  const settings = chunkSettings(home, folder.folder);
  const stop = new ScanStop(folder.root, signal);
  let chunker: Promise<ContentChunker> | undefined;
  let rootDev: number | null | undefined;
  // Each found file is looked at (and read) at most once: every deleted file
  // of its size is tested against it, thousands by thousands when many
  // files have one size (before, an lstat a pair: 2,000 by 2,000 took 25 s).
  const seen = new Map<Found, Deno.FileInfo | null>();
  const cut = new Map<Found, ChunkList | null>();
  const inPlace = (x: Found): Deno.FileInfo | null => {
    let info = seen.get(x);
    if (info !== undefined) return info;
    info = stillThere(x);
    // The very file by its inode only on the deleting folder's file system: a
    // rename never leaves one, and another's inode numbers say nothing (a
    // disk cloned from this one has the same, on the same files).
    if (info !== null && x.seenIno !== undefined) {
      rootDev ??= devOf(folder.root);
      if (rootDev === null || info.dev !== rootDev) info = null;
    }
    seen.set(x, info);
    return info;
  };
  return async (x, v) => {
    // Up to the minimum chunk a file is one chunk whatever the seed: the
    // chunk ids are the content's, compared first.
    const oneChunk = v.size <= settings.params.min;
    if (oneChunk && !sameContent(x.version, v)) return false;
    const info = inPlace(x);
    if (info === null) return false;
    if (sameContent(x.version, v)) return true;
    if (oneChunk) return false;
    let list = cut.get(x);
    if (list === undefined) {
      stop.now();
      chunker ??= ContentChunker.create(settings.params, settings.seed);
      const read = await chunkFile(join(x.root, x.path), info, await chunker, stop);
      list = "skipped" in read ? null : (await makeChunkList(await read.hashing)).list;
      cut.set(x, list);
    }
    return list !== null && sameContent({ ...v, chunks: list }, v);
  };
}

/** `x`'s stat when it is still the file recorded, else null: what it holds now was not published. */
function stillThere(x: Found): Deno.FileInfo | null {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(join(x.root, x.path));
  } catch {
    return null;
  }
  const now = statKey(info);
  const same = info.isFile && now.size === x.size && now.mtimeMs === x.mtimeMs &&
    now.ino === x.ino;
  return same ? info : null;
}

/** The device number of the file system `root` is on, or null when it can't be looked at. */
function devOf(root: string): number | null {
  try {
    return Deno.statSync(root).dev;
  } catch {
    return null;
  }
}
