/**
 * @module assemble
 * Write a file version into the folder: `assembleFile` builds the content
 * from its chunk list in a temporary file beside the target, checking every
 * chunk against its BLAKE3 id, fsyncs it, sets mode and mtime, and puts it
 * in place (place_entry.ts). Invariants:
 * - The target's name never holds a partly written file: it holds the old
 *   file, the complete new one, or — for the instant the old one is moved
 *   aside — nothing. A crash leaves at most a `.mycel-tmp-*` file and a
 *   `.mycel-tmp-hold-*` folder with the old file, which the stale-temp sweep
 *   puts back (stale_temps.ts).
 * - A wrong or missing chunk stops the assembly with an error naming the
 *   chunk (`chunk_corrupt` / `chunk_missing`); nothing under the real name
 *   changes, the temporary file is removed, the caller fetches the chunk
 *   elsewhere and calls again.
 * - If the file on disk is not the one the caller expected (size, mtime,
 *   inode; or presence), nothing is written and the result says
 *   `changed_locally`, so the caller makes a conflict instead of losing a
 *   local edit. Checked before writing and again right before the replace;
 *   a file saved at the name after that check is caught too, never
 *   overwritten (place_entry.ts).
 * - The replaced file is kept under `.mycel/versions/` (versions.ts).
 * - Writes stay inside the folder (safe_paths.ts) and need the marker.
 */

import { join } from "node:path";
import { type ErrorCode, MycelError } from "../errors.ts";
import type { ChunkHash, ChunkRef } from "../log/chunk_list.ts";
import { loadBlake3 } from "./chunk_hash.ts";
import {
  type ChunkSource,
  type ExpectedEntry,
  matchesExpected,
  type OnDisk,
  onDisk,
  type WriteResult,
} from "./disk_state.ts";
import { placeEntry, type PlaceOptions } from "./place_entry.ts";
import { tempNameFor } from "./folder_layout.ts";
import { assertMarker } from "./folder_marker.ts";
import { baseName, checkRelativePath, parentOf } from "./paths.ts";
import { ensureRealParents } from "./safe_paths.ts";
import { setTempMode } from "./temp_mode.ts";

/** How to write. */
export interface AssembleOptions {
  /** What the caller expects to replace, or null when it expects nothing there. */
  readonly expected: ExpectedEntry;
  /** mtime to give the new file (the version's), ms. */
  readonly mtimeMs: number;
  /** Execute bit of the version. */
  readonly exec: boolean;
  /** Keep the replaced file under `.mycel/versions/` (default true). */
  readonly keepReplaced?: boolean;
  /** Clock for the kept version's stamp (default Date.now). */
  readonly now?: () => number;
  /** Test seam only (place_entry.ts): runs between the final check and the replace. */
  readonly beforeReplace?: PlaceOptions["beforeReplace"];
}

function chunkError(code: ErrorCode, reason: string, hash: ChunkHash): MycelError {
  return new MycelError(code, "assemble file", reason, {
    value: hash,
    hint: "Fetch this chunk from another device and try again.",
  });
}

async function writeChunks(file: Deno.FsFile, chunks: readonly ChunkRef[], source: ChunkSource) {
  const blake3 = await loadBlake3();
  for (const ref of chunks) {
    const bytes = await source.get(ref.hash);
    if (bytes === undefined) throw chunkError("chunk_missing", "a chunk is missing", ref.hash);
    if (bytes.length !== ref.length || blake3(bytes) !== ref.hash) {
      throw chunkError("chunk_corrupt", "a chunk does not match its id", ref.hash);
    }
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  }
}

/** Permission bits for the new file: the replaced file's rw bits, or 0644; exec follows read. */
export function modeFor(replaced: OnDisk | null, mode: number | undefined, exec: boolean): number {
  // A replaced file's read and write bits are kept; a link's (0777) mean nothing.
  const rw = replaced !== null && replaced.kind === "file" && mode !== undefined
    ? mode & 0o666
    : 0o644;
  return exec ? rw | ((rw & 0o444) >> 2) : rw;
}

/**
 * Write the file at folder-relative `relPath` from `chunks` (see the
 * module comment).
 * @throws MycelError `bad_path`, `folder_stopped`, `unsafe_path`,
 * `chunk_missing`, `chunk_corrupt`
 */
export async function assembleFile(
  root: string,
  relPath: string,
  chunks: readonly ChunkRef[],
  source: ChunkSource,
  options: AssembleOptions,
): Promise<WriteResult> {
  checkRelativePath(relPath);
  assertMarker(root, "assemble file");
  const realRoot = Deno.realPathSync(root);
  const parent = parentOf(relPath);
  ensureRealParents(realRoot, parent);
  const dirAbs = join(realRoot, parent);
  const target = join(dirAbs, baseName(relPath));
  const before = onDisk(target);
  if (!matchesExpected(before, options.expected)) {
    return { status: "changed_locally", current: before };
  }
  const replacedMode = before === null ? undefined : Deno.lstatSync(target).mode ?? undefined;
  const temp = join(dirAbs, tempNameFor(baseName(relPath)));
  let placed = false;
  try {
    // Made with its final mode (less the umask, which setTempMode then puts
    // right): private if the file it replaces was.
    const mode = modeFor(before, replacedMode, options.exec);
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      await writeChunks(file, chunks, source);
      // Through the file, not its name: a link swapped in is never followed (temp_mode.ts).
      await setTempMode(file, temp, mode);
      const mtime = new Date(options.mtimeMs);
      await file.utime(mtime, mtime);
      await file.sync();
    } finally {
      file.close();
    }
    const r = await placeEntry(realRoot, relPath, temp, options);
    placed = r.status === "written";
    return r;
  } finally {
    if (!placed) await Deno.remove(temp).catch(() => {});
  }
}
