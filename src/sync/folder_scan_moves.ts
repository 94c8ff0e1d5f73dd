/**
 * @module folder_scan_moves
 * Which deletions of a scan are moves, not losses, for the mass-deletion
 * question (folder_scan_deletions.ts): a deleted file whose content is
 * found again — under another name in the same folder's scan, or in another
 * folder synced on this device. Run once for every folder a command scans,
 * after all of their reads (folder_scan.ts), so that a file moved from one
 * folder into another is a move whichever of the two is scanned first.
 *
 * - In the same folder: a file new or changed in this scan with the
 *   deleted content (same size and chunk list). One found file excuses one
 *   deletion (deleting ten copies and writing one is nine losses), an empty
 *   file none (its "contents" are everywhere).
 * - In another folder synced here (this home's folders, not stopped; a
 *   folder of another mesh is another home, an unsynced path is in no
 *   index): a file new or changed in that folder's scan in this command, or
 *   one its index already holds — published by an earlier scan, say `folder
 *   add` or `folder scan` of that folder alone — when it is the same file,
 *   its inode the one the deleted file had (`mv` on one file system keeps
 *   it), not merely a copy of the same bytes. A copy made long before is
 *   not a move, nor is it when a chmod or touch has it read again in this
 *   command: deleting it is deleting a duplicate, a loss here as in one
 *   folder. Each folder cuts with its own seed
 *   (folder_scan_read.ts), so equal content has equal chunk lists only for
 *   a single-chunk file; a larger candidate is read again with the
 *   deleting folder's cut (folder_scan_recut.ts).
 * Looked across folders only for the folders whose losses would be asked
 * about or held (more than half, deletions already held, joined again): for
 * every other folder the answer changes nothing, and it costs no read.
 */

import { sameContent } from "../files/version_content.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow, LoadedIndex, LocalFolder } from "../storage/sql_folder_local.ts";
import { type Found, recutMatches } from "./folder_scan_recut.ts";
import { indexedVersion } from "./folder_scan_vectors.ts";

/** One folder's scan up to its deletions: what finding moves needs of it. */
export interface MoveScan {
  readonly folder: LocalFolder;
  /** The index the scan read against. */
  readonly index: LoadedIndex;
  /** Indexed paths the disk no longer showed. */
  readonly deleted: readonly string[];
  /** What each changed path holds (folder_scan_changes.ts), and its index row (same order). */
  readonly contents: readonly FileVersion[];
  readonly rows: readonly IndexRow[];
}

/** Per folder id, the deleted paths of `scans` that are moves (see the module comment). */
export async function movesOf(
  home: Home,
  scans: readonly MoveScan[],
  signal?: AbortSignal,
): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  const spare = new Map<string, Found[]>();
  const asked: { scan: MoveScan; lost: string[] }[] = [];
  for (const s of scans) {
    const bySize = new Map<number, Found[]>();
    s.contents.forEach((c, i) => {
      if (c.kind === "file" && c.size > 0) add(bySize, foundOf(s.folder, s.rows[i], c));
    });
    const moves = new Set<string>();
    // With nothing found, nothing is decoded.
    for (const path of bySize.size === 0 ? [] : s.deleted) {
      const v = fileAt(s.index, path);
      const same = v === undefined ? [] : bySize.get(v.size) ?? [];
      const i = same.findIndex((f) => sameContent(f.version, v!));
      if (i < 0) continue;
      moves.add(path);
      same.splice(i, 1);
    }
    out.set(s.folder.folder, moves);
    spare.set(s.folder.folder, [...bySize.values()].flat());
    const lost = s.deleted.filter((path) => !moves.has(path));
    if (lost.length > 0 && wouldAsk(s, lost.length)) asked.push({ scan: s, lost });
  }
  if (asked.length === 0) return out;
  // Sizes from the index rows: a version is decoded only for a deleted file
  // some found file has the size of (a folder alone in its home, none).
  const sizes = new Set(asked.flatMap((a) => a.lost.map((p) => a.scan.index.rows.get(p)!.size)));
  sizes.delete(0); // an empty file excuses none
  const askedOnly = (f: LocalFolder) => asked.every((a) => a.scan.folder.folder === f.folder);
  const pool = new Map<number, Found[]>();
  const scanned = new Map(scans.map((s) => [s.folder.folder, s]));
  for (const f of home.folderLocal.folders()) {
    const s = scanned.get(f.folder);
    // Stopped: its index says nothing of its disk (a folder that was stopped
    // and reads again this time is one of the scans, and counts).
    if (s === undefined && f.info.stopped) continue;
    // No folder's deletion is excused by its own files (found already, if at all).
    if (askedOnly(f)) continue;
    // Its files new or changed in this command (a copy it had, re-read, is old news).
    for (const x of s === undefined ? [] : spare.get(f.folder)!) {
      if (sizes.has(x.size)) add(pool, seenAs(x, s!));
    }
    const gone = new Set([...(s?.deleted ?? []), ...(s?.rows.map((r) => r.path) ?? [])]);
    const index = s?.index ?? home.folderLocal.index(f.folder);
    // Its unchanged files, by their index: the inode known (a platform
    // without one can't tell the moved file from a copy).
    for (const r of index.rows.values()) {
      if (r.kind !== "file" || !sizes.has(r.size) || gone.has(r.path) || r.ino === 0) continue;
      const v = indexedVersion(r);
      if (v?.kind === "file") add(pool, foundOf(f, r, v, r));
    }
  }
  for (const { scan, lost } of asked) {
    const moves = out.get(scan.folder.folder)!;
    const matches = recutMatches(home, scan.folder, signal);
    for (const path of lost) {
      const gone = scan.index.rows.get(path)!;
      const same = pool.get(gone.size) ?? [];
      const v = same.length === 0 ? undefined : fileAt(scan.index, path);
      if (v === undefined) continue;
      for (let i = 0; i < same.length; i++) {
        const x = same[i];
        if (x.folder === scan.folder.folder || !movedThere(x, gone)) continue;
        if (!await matches(x, v)) continue;
        moves.add(path);
        same.splice(i, 1);
        break;
      }
    }
  }
  return out;
}

/** True when `lost` deletions of `s` would be asked about, held or forgotten (folder_scan_deletions.ts). */
function wouldAsk(s: MoveScan, lost: number): boolean {
  const info = s.folder.info;
  return info.held !== undefined || info.rejoined === true || lost * 2 > s.index.size;
}

/** The non-empty file indexed at `path`, else undefined. */
function fileAt(index: LoadedIndex, path: string): (FileVersion & { kind: "file" }) | undefined {
  const v = indexedVersion(index.rows.get(path));
  return v?.kind === "file" && v.size > 0 ? v : undefined;
}

/**
 * True unless `x` is content its folder held already (`x.seenIno`) and not
 * the very file indexed as `gone`: a copy the other folder had is a
 * duplicate, re-read or not (a chmod or touch changes its stat, not what
 * it is). Without an inode (FAT) the two can't be told apart.
 */
function movedThere(x: Found, gone: IndexRow): boolean {
  return x.seenIno === undefined || (gone.ino !== 0 && x.seenIno === gone.ino);
}

/**
 * `x`, new or changed in `s`, with what `s`'s index held at its path
 * before when that was the same content (see `movedThere`).
 */
function seenAs(x: Found, s: MoveScan): Found {
  const before = s.index.rows.get(x.path);
  const v = indexedVersion(before);
  return v?.kind === "file" && sameContent(v, x.version) ? { ...x, seenIno: before!.ino } : x;
}

/** `x` as found at row `r`; `seen`: the row its folder's index held before this command. */
function foundOf(f: LocalFolder, r: IndexRow, version: FileVersion, seen?: IndexRow): Found {
  return {
    folder: f.folder,
    root: f.root,
    path: r.path,
    size: r.size,
    mtimeMs: r.mtimeMs,
    ino: r.ino,
    version,
    ...(seen === undefined ? {} : { seenIno: seen.ino }),
  };
}

function add(by: Map<number, Found[]>, x: Found): void {
  const same = by.get(x.size);
  if (same === undefined) by.set(x.size, [x]);
  else same.push(x);
}
