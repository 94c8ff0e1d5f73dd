/**
 * @module chunk_sources
 * Ready-made {@link ChunkSource}s. A file that was copied, renamed or
 * edited elsewhere mostly consists of chunks this device already has in
 * its own files, so the assembler should try those before the network:
 * - {@link chunkLocations} maps chunk ids to where they are in scanned files;
 * - {@link localFileChunkSource} reads a chunk back from such a file, and
 *   returns undefined (not wrong bytes) when the file changed since — it
 *   checks the BLAKE3 itself, so a stale location just falls through;
 * - {@link chainChunkSources} asks several sources in order.
 * Reads never follow a symlink: the location must be a regular file.
 */

import { join } from "node:path";
import type { ChunkSource } from "./disk_state.ts";
import { type ChunkHash, type ChunkRef, MAX_CHUNK_BYTES } from "../log/chunk_list.ts";
import { loadBlake3 } from "./chunk_hash.ts";
import { relativePathProblem } from "./paths.ts";

/** Where a chunk's bytes are in a local file. */
export interface ChunkLocation {
  /** Folder-relative path of the file. */
  readonly path: string;
  /** Byte offset of the chunk in it. */
  readonly offset: number;
  /** The chunk's length. */
  readonly length: number;
}

/** Chunk id → one place it can be read, from files' chunk lists (first place wins). */
export function chunkLocations(
  files: Iterable<{ readonly path: string; readonly chunks: readonly ChunkRef[] }>,
): Map<ChunkHash, ChunkLocation> {
  const out = new Map<ChunkHash, ChunkLocation>();
  for (const f of files) {
    let offset = 0;
    for (const c of f.chunks) {
      if (!out.has(c.hash)) out.set(c.hash, { path: f.path, offset, length: c.length });
      offset += c.length;
    }
  }
  return out;
}

/**
 * Exactly `length` bytes of `file` from `offset`; undefined when it ends
 * first. Read on this thread: these are files of this device, mostly in the
 * page cache, where a thread-pool round trip per seek and read cost more
 * than the copy (in a profile of a 511 MiB local rebuild under load, async
 * seeks alone were 193 ms and the main thread waited on the pool).
 */
export function readExactAt(
  file: Deno.FsFile,
  offset: number,
  length: number,
): Uint8Array | undefined {
  file.seekSync(offset, Deno.SeekMode.Start);
  const out = new Uint8Array(length);
  for (let at = 0; at < length;) {
    const n = file.readSync(out.subarray(at));
    if (n === null) return undefined;
    at += n;
  }
  return out;
}

/**
 * Exactly `into.length` bytes of `file` from `offset` into `into`, read
 * synchronously; false when the file ends first. For a reader that waits for
 * the bytes anyway: a read from the page cache costs less than the two
 * thread-pool round trips of seek and read, and `into` can be reused.
 */
export function readIntoAtSync(file: Deno.FsFile, offset: number, into: Uint8Array): boolean {
  file.seekSync(offset, Deno.SeekMode.Start);
  for (let at = 0; at < into.length;) {
    const n = file.readSync(into.subarray(at));
    if (n === null) return false;
    at += n;
  }
  return true;
}

async function readRange(
  abs: string,
  offset: number,
  length: number,
): Promise<Uint8Array | undefined> {
  const info = await Deno.lstat(abs).catch(() => undefined);
  if (info === undefined || !info.isFile || offset + length > info.size) return undefined;
  const file = await Deno.open(abs, { read: true }).catch(() => undefined);
  if (file === undefined) return undefined;
  try {
    const opened = await file.stat();
    if (opened.ino !== info.ino || opened.dev !== info.dev) return undefined;
    return readExactAt(file, offset, length);
  } catch {
    return undefined;
  } finally {
    file.close();
  }
}

/** A source reading chunks from files in the folder at `root` (see the module comment). */
export function localFileChunkSource(
  root: string,
  locations: ReadonlyMap<ChunkHash, ChunkLocation>,
): ChunkSource {
  return {
    async get(hash) {
      const at = locations.get(hash);
      if (at === undefined || relativePathProblem(at.path) !== undefined) return undefined;
      if (at.length < 1 || at.length > MAX_CHUNK_BYTES) return undefined;
      const bytes = await readRange(join(root, at.path), at.offset, at.length);
      if (bytes === undefined) return undefined;
      return (await loadBlake3())(bytes) === hash ? bytes : undefined;
    },
  };
}

/** A source that asks `sources` in order and gives the first answer. */
export function chainChunkSources(...sources: ChunkSource[]): ChunkSource {
  return {
    async get(hash) {
      for (const s of sources) {
        const bytes = await s.get(hash);
        if (bytes !== undefined) return bytes;
      }
      return undefined;
    },
  };
}
