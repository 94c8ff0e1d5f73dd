/**
 * @module scan_types
 * What `scanFolder` (scan.ts) takes and reports. A result is applied by the
 * caller to its index (`MemoryFileIndex.apply` shows how) in the same
 * transaction as the log entries it writes for the changes.
 */

import type { ChunkRef } from "../log/chunk_list.ts";
import type { ChunkParams } from "./chunk_params.ts";
import type { IgnoreRules } from "./ignore_rules.ts";
import type { StatKey } from "./scan_file.ts";
import type { HashPool } from "./hash_pool.ts";

/** What a scanned file or link says besides its stat. */
interface Scanned extends StatKey {
  /**
   * Read only because its row is racy: its stat is still the row's. Holding
   * the row's version's content, it is that version, whatever the disk made
   * of the version's mtime (FAT and exFAT round it).
   */
  readonly recheck?: boolean;
}

/** A new or changed regular file. */
export interface ScannedFile extends Scanned {
  readonly kind: "file";
  readonly path: string;
  /** Its content, in order. */
  readonly chunks: readonly ChunkRef[];
}

/** A new or changed symbolic link (never followed). */
export interface ScannedSymlink extends Scanned {
  readonly kind: "symlink";
  readonly path: string;
  /** The target text, as readlink gives it. */
  readonly target: string;
  /** True when the target is absolute or climbs out of the folder. */
  readonly escapes: boolean;
}

/** A path that exists but was not synced this time, and why. */
export interface SkippedPath {
  readonly path: string;
  readonly reason: string;
}

/** What a scan found. */
export interface ScanResult {
  /** New or changed files and symlinks, in path order. */
  readonly changed: readonly (ScannedFile | ScannedSymlink)[];
  /** Indexed paths that are gone, in index order. */
  readonly deleted: readonly string[];
  /**
   * Empty folders without an index row: each gets a folder version
   * (docs/folders.md "Empty folders"), in path order. A folder with a row
   * is present whatever it holds, and called deleted only when gone.
   */
  readonly emptyDirs: readonly string[];
  /** Paths left alone: special files, unsyncable names, unreadable or changing files. */
  readonly skipped: readonly SkippedPath[];
  /** Groups of present paths that differ only in case or normalization. */
  readonly caseCollisions: readonly string[][];
  /** More than half of the indexed paths would be deleted: ask first. */
  readonly massDelete: boolean;
  /**
   * Hold and drop folders seen (folder-relative): a write or deletion under
   * way, or cut short there (stale_temps.ts `settleStaleHolds`).
   */
  readonly holds: readonly string[];
  /**
   * Files unchanged but for their inode number, where inode numbers are not
   * kept (`stableInodes` false): the index takes the new number; nothing
   * was read.
   */
  readonly renumbered: readonly { readonly path: string; readonly ino: number }[];
  /** Counters. */
  readonly stats: ScanStats;
}

/** Counters of one scan. */
export interface ScanStats {
  /** Folders listed. */
  dirs: number;
  /** Files and symlinks present (synced kinds, not ignored). */
  present: number;
  /** Of those, skipped because the index says unchanged. */
  unchanged: number;
  /** Files read and chunked. */
  hashedFiles: number;
  /** Bytes read and chunked. */
  hashedBytes: number;
  /** Paths skipped by ignore rules (folders count once). */
  ignored: number;
  /**
   * Indexed files and links the rules ignore now that are still on disk:
   * synced before a rule matched them, they stay as they are everywhere and
   * their edits no longer sync (not deleted, not published).
   */
  ignoredKept: number;
}

/** How to scan. */
export interface ScanOptions {
  /** The mesh's chunk parameters. */
  readonly params: ChunkParams;
  /** The mesh's gear seed. */
  readonly seed: bigint;
  /** Ignore rules (default: read from the folder, ignore_rules.ts). */
  readonly ignore?: IgnoreRules;
  /** Sees each chunk of each changed file as it is cut (bytes valid during the call only). */
  readonly onChunk?: (path: string, ref: ChunkRef, bytes: Uint8Array, offset: number) => void;
  /**
   * Hash chunks in a worker thread while the walk goes on (hash_pool.ts):
   * `auto` (default) once there is much to hash — a file of 64 MiB or more,
   * or 64 MiB hashed in this thread — `always`, or `never`. Never with
   * `onChunk`.
   */
  readonly worker?: "auto" | "always" | "never";
  /** Test seam only: makes the worker pool (a failing one shows the in-thread fallback). */
  readonly newHashPool?: () => HashPool;
  /**
   * Set when the folder's file system keeps no permission bits (FAT, exFAT:
   * fs_modes.ts). The disk's execute bits mean nothing there: an unchanged
   * file is compared without them, and a changed file keeps the execute bit
   * this returns for its path (the version it holds; false for a new file).
   */
  readonly execOf?: (path: string) => boolean;
  /**
   * False where inode numbers are made up per mount (exfat-fuse numbers
   * files in the order it meets them): an unchanged file is compared
   * without its inode number, so a drive plugged in again is not read and
   * hashed whole (default true).
   */
  readonly stableInodes?: boolean;
  /**
   * The chunks of the file the index holds at another path with this very
   * stat (inode, size, mtime, ctime and exec bit: the files of a folder
   * renamed keep all of them), so a path new to the index is not read
   * again; undefined: it is read. Asked only where inode numbers are
   * stable. Trusts the stat as the unchanged-file check does; `dev` is the
   * device the new path's file is on (inode numbers are per device).
   */
  readonly sameFile?: (
    path: string,
    key: StatKey,
    dev: number,
  ) => Promise<readonly ChunkRef[] | undefined>;
  /**
   * Folders inside this one that are never synced as its contents, by
   * absolute path, each with the reason said for it: the mycel home (its
   * keys and database must never leave the device) and the roots of the
   * other folders this device syncs. A folder holding a `.mycel-folder`
   * marker file is left out the same way (another synced folder's root, say
   * one copied in), found by the walk — unless `publishedMarker` says this
   * folder's state holds that marker: a member published it, and a file a
   * member can write must not make every device skip that part.
   */
  readonly exclude?: ReadonlyMap<string, string>;
  /**
   * True when this folder's state holds a live file `.mycel-folder`, in any
   * case, in the folder `dir` (relative; compared in any case too).
   */
  readonly publishedMarker?: (dir: string) => boolean;
  /**
   * Where this device syncs the folder `id`, when it does and its marker is
   * gone from there: a marker of it found here is that folder moved in, not
   * a copy, and the reason says how to go on.
   */
  readonly syncedAt?: (id: string) => string | undefined;
  /**
   * Ctrl-C or SIGTERM: the scan stops within a few tens of ms, even in the
   * middle of a large file, and throws `sync_interrupted` (scan_stop.ts).
   */
  readonly signal?: AbortSignal;
  /**
   * Told every 200 ms or so how far the scan is: files seen, bytes read
   * (scan_stop.ts); for a terminal's progress line.
   */
  readonly onProgress?: (p: { files: number; bytes: number }) => void;
}
