/**
 * @module scan_file
 * Reading one regular file for a scan: stream it straight into the
 * chunker's buffer (memory stays one chunker's, whatever the file size) and
 * make sure what was read is one consistent state of one file.
 *
 * The file is opened by path, so between the scan's lstat and the open it
 * could be swapped for another file or a link to one outside the folder:
 * the opened file's inode must be the lstat'ed one, and after reading, its
 * size and mtime must not have moved (else "changed while scanning"; the
 * next scan retries). Only regular files are ever opened — a FIFO would
 * block the open.
 */

import type { ChunkRef } from "../log/chunk_list.ts";
import type { ContentChunker } from "./content_chunker.ts";
import { isMycelError } from "../errors.ts";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import type { ScanStop } from "./scan_stop.ts";

/** The stat fields a scan compares. */
export interface StatKey {
  /** Size in bytes. */
  readonly size: number;
  /** Modification time, ms. */
  readonly mtimeMs: number;
  /** Inode (0 when unknown). */
  readonly ino: number;
  /** Status-change time, ms (0 when unknown). */
  readonly ctimeMs: number;
  /** Any execute bit set. */
  readonly exec: boolean;
  /**
   * Taken too soon after the file's last change to tell a later one
   * ({@link racyStat}); not compared by {@link sameStat}. A row that says so
   * is read again by the next scan.
   */
  readonly racy?: boolean;
}

/**
 * How long after a file's last change a stat of it can't tell a later
 * change by its fields: Deno gives ctime in whole seconds (mtime in ms,
 * node:fs's bigint `ctimeNs` too), FAT keeps mtime in 2 s steps (its ctime
 * is the creation time), and a file system stamps times from a clock a
 * tick behind. A same-size rewrite putting back the mtime (`cp -p`,
 * `rsync -t`, `touch -r`, an editor keeping times) within that time leaves
 * size, mtime, inode and ctime as they were (git's "racy clean" files).
 */
export const RACY_MS = 3000;

/**
 * True when `key`, from an lstat started at wall time `seenMs`, came within
 * {@link RACY_MS} of the file's ctime (or of its mtime, unless that is in
 * the future: a time set by hand), so a later change can leave it as is.
 */
export function racyStat(key: StatKey, seenMs: number): boolean {
  return seenMs < key.ctimeMs + RACY_MS ||
    (key.mtimeMs <= seenMs && seenMs < key.mtimeMs + RACY_MS);
}

/**
 * The stat fields of `info`; with `seenMs` (the wall clock read just before
 * the lstat) also whether it is {@link racyStat}.
 */
export function statKey(info: Deno.FileInfo, seenMs?: number): StatKey {
  const key = {
    size: info.size,
    mtimeMs: info.mtime?.getTime() ?? 0,
    ino: info.ino ?? 0,
    ctimeMs: info.ctime?.getTime() ?? 0,
    // A link's mode is 0777 on Linux and means nothing; its index row says false.
    exec: !info.isSymlink && ((info.mode ?? 0) & 0o111) !== 0,
  };
  return seenMs === undefined ? key : { ...key, racy: racyStat(key, seenMs) };
}

/** True when two stats describe the same unchanged file. */
export function sameStat(a: StatKey, b: StatKey): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino &&
    a.ctimeMs === b.ctimeMs && a.exec === b.exec;
}

/**
 * The file was read and checked, and its chunk list is ready once `hashing`
 * resolves (at once, unless a hashing pool is computing the ids); or why it
 * was not read this time.
 */
export type ReadOutcome = { hashing: Promise<ChunkRef[]> } | { skipped: string };

/** Files up to this size are read with synchronous calls (one read; far less overhead). */
export const SMALL_FILE_BYTES = 1 << 20;

/** Why a read failed, in words for the "not synced" list ("permission denied", else the error's name). */
export function whyUnreadable(e: unknown): string {
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  return e instanceof Error ? e.name : "error";
}

/**
 * Chunk the regular file at `abs`, which lstat described as `before`.
 * `chunker` is reset first and left holding this file's chunks. A large
 * file is read asynchronously: `stop` is checked between reads, so Ctrl-C
 * ends the scan in the middle of a file of any size.
 */
export async function chunkFile(
  abs: string,
  before: Deno.FileInfo,
  chunker: ContentChunker,
  stop?: ScanStop,
): Promise<ReadOutcome> {
  chunker.reset();
  const small = before.size <= SMALL_FILE_BYTES;
  let file: Deno.FsFile;
  try {
    // Not through a link nor waiting on a FIFO swapped in since the look:
    // a plain open waited on one forever, and the scan (and `sync serve`) with it.
    await loadOpenNoFollow();
    const opened = openNoFollowSync(abs);
    if (opened === undefined) return { skipped: "it changed while scanning" };
    file = opened;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { skipped: "it vanished while scanning" };
    return { skipped: `it can't be read (${whyUnreadable(e)})` };
  }
  try {
    const opened = small ? file.statSync() : await file.stat();
    if (!opened.isFile || opened.ino !== before.ino || opened.dev !== before.dev) {
      return { skipped: "it changed while scanning" };
    }
    while (true) {
      const n = small ? file.readSync(chunker.space()) : await file.read(chunker.space());
      if (n === null) break;
      chunker.commit(n);
      if (small) {
        stop?.read(n);
        continue;
      }
      await chunker.backlog(); // a hashing pool holds a bounded amount
      stop?.read(n);
    }
    const after = small ? file.statSync() : await file.stat();
    let again: Deno.FileInfo | undefined;
    try {
      again = Deno.lstatSync(abs);
    } catch {
      again = undefined;
    }
    const key = statKey(before);
    if (
      !sameStat(statKey(after), key) || again === undefined || !sameStat(statKey(again), key) ||
      chunker.bytesIn !== before.size
    ) {
      return { skipped: "it changed while scanning" };
    }
    const hashing = chunker.finishLater();
    return { hashing };
  } catch (e) {
    if (isMycelError(e, "sync_interrupted")) throw e;
    return { skipped: `it can't be read (${whyUnreadable(e)})` };
  } finally {
    file.close();
  }
}
