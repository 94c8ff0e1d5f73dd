/**
 * @module disk_state
 * What is at a path in the folder right now, and whether it is what the
 * caller's index says — the check every write makes before touching a
 * path, and again right before its rename, so a local edit racing a
 * remote version is reported (`changed_locally`) instead of overwritten.
 * Also the shapes every folder write shares.
 */

import type { ChunkHash } from "../log/chunk_list.ts";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import { type StatKey, statKey } from "./scan_file.ts";

/** Where chunk bytes come from: the chunk store, other local files that hold them, ... */
export interface ChunkSource {
  /**
   * The bytes of chunk `hash`, or undefined when this device doesn't have
   * them. Untrusted: the assembler checks them against `hash`.
   */
  get(hash: ChunkHash): Promise<Uint8Array | undefined> | Uint8Array | undefined;
}

/**
 * What the caller believes is at the path now (from its index): a file (or,
 * with `kind: "symlink"`, a link) of this size, mtime and inode — or null
 * for nothing at all.
 */
export type ExpectedEntry = {
  readonly kind?: "file" | "symlink";
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
} | null;

/** What is at a path, for a `changed_locally` result. */
export type OnDisk = StatKey & { readonly kind: "file" | "symlink" | "folder" | "other" };

/** The outcome of a write. */
export type WriteResult =
  | { readonly status: "written"; readonly stat: StatKey; readonly keptAs?: string }
  | {
    readonly status: "changed_locally";
    readonly current: OnDisk | null;
    /** Where a file moved aside for the write and not put back was kept. */
    readonly keptAs?: string;
  };

/**
 * What is at `abs` now (not following a symlink), or null. Synchronous, like
 * the other per-file metadata calls of a folder write: an async call is a
 * round trip through the runtime's thread pool (~40 µs against ~4 µs here),
 * and a fetched file makes about twenty of them — with thousands of small
 * files, that hand-off was most of the fetching side's time.
 */
export function onDisk(abs: string): OnDisk | null {
  try {
    // No `racy` here (scan_file.ts `racyStat`): these stats are of files a
    // round placed, moved or adopted, whose rows are trusted as before.
    // Flagged, every file a first sync fetched was read and hashed again by
    // the next scan (a 100 GB first sync read twice) for a local same-size
    // rewrite putting back the time within a second of its placement.
    const info = Deno.lstatSync(abs);
    const kind = info.isFile
      ? "file"
      : info.isSymlink
      ? "symlink"
      : info.isDirectory
      ? "folder"
      : "other";
    return { kind, ...statKey(info) };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** What kind of special file `info` describes (neither file, folder nor link), for a message. */
export function specialKind(info: Deno.FileInfo): string {
  if (info.isFifo) return "FIFO";
  if (info.isSocket) return "socket";
  if (info.isBlockDevice) return "block device";
  if (info.isCharDevice) return "character device";
  return "unknown type";
}

/** True when `current` is what the caller expected. */
export function matchesExpected(current: OnDisk | null, expected: ExpectedEntry): boolean {
  if (expected === null) return current === null;
  return current !== null && current.kind === (expected.kind ?? "file") &&
    current.size === expected.size &&
    current.mtimeMs === expected.mtimeMs && current.ino === expected.ino;
}

/**
 * Give the file at `abs` the modification time `mtimeMs` when it is still
 * exactly what the index says (`expected`: size, mtime, inode, ctime): a
 * version elsewhere with the same contents and only another mtime (a
 * `touch`) is adopted without a write, and the disk should show its time
 * too. True when set. The index keeps the stat the scan saw, so the next
 * scan reads the file once: an edit landing between this check and the
 * time being set is then found, not taken for the adopted version (on a
 * disk that rounds times, FAT's 2 s, that read publishes the rounded time
 * once). Best effort: a file this user does not own, a read-only disk or a
 * file swapped meanwhile keeps its time. The time is set through the opened
 * file, checked to be the one the index names; the name is opened without
 * following a link or blocking (src/open_no_follow.ts): a plain open
 * followed a link swapped in after the look (opening the device it named:
 * some act on open) and waited forever on a FIFO, with the round (found by
 * a review).
 */
export async function takeMtime(
  abs: string,
  expected: StatKey,
  mtimeMs: number,
): Promise<boolean> {
  try {
    const now = onDisk(abs);
    if (now === null || now.kind !== "file" || now.mtimeMs === mtimeMs) return false;
    // Exec bits aside: on FAT they are the disk's, not the index's.
    const same = now.size === expected.size && now.mtimeMs === expected.mtimeMs &&
      now.ino === expected.ino && now.ctimeMs === expected.ctimeMs;
    if (!same) return false;
    await loadOpenNoFollow();
    using file = openNoFollowSync(abs);
    if (file === undefined) return false;
    const opened = file.statSync();
    if (!opened.isFile || opened.ino !== now.ino) return false;
    file.utimeSync(new Date(), new Date(mtimeMs));
    return true;
  } catch {
    return false;
  }
}
