/**
 * @module folder_apply_task
 * One file a folder's apply writes this round (folder_apply_files.ts makes
 * them): its chunks and their offsets, which are in (a bit each), its
 * temporary file and how far it is made durable; and the refusal of a
 * version that misstates a chunk's length. Apart from the writer
 * (folder_apply_write.ts) because the fetch, the local copy and the
 * temporary files all read and change a task, and none of them needs the
 * writer to do so.
 */

import type { ChunkRef } from "../log/chunk_list.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { PlanIndexRow } from "../files/folder_plan_types.ts";
import { MycelError } from "../errors.ts";

/** One file to write this round. */
export interface Task {
  readonly path: string;
  readonly version: FileVersion & { kind: "file" };
  readonly id: string;
  readonly expected: PlanIndexRow | null;
  readonly copy: boolean;
  chunks: ChunkRef[];
  offsets: number[];
  done: Uint8Array;
  left: number;
  temp?: string;
  sinceSync: number;
  /** Bytes put since the folder's marker was last checked (copied or fetched). */
  sinceMarker?: number;
  /** When its progress was last made durable and recorded (ms). */
  syncedAt: number;
  finished: boolean;
}

export const bitSet = (bits: Uint8Array, i: number) => (bits[i >> 3] & (1 << (i & 7))) !== 0;

/** Bytes of the chunks whose bit in `done` is `set` (done, or still to come). */
export const bytesOf = (chunks: readonly ChunkRef[], done: Uint8Array, set: boolean) =>
  chunks.reduce((n, c, i) => bitSet(done, i) === set ? n + c.length : n, 0);
export const setBit = (bits: Uint8Array, i: number) => bits[i >> 3] |= 1 << (i & 7);

/**
 * Why `t` can't be written: its version gives chunk `i` a length its bytes
 * (which hash to its id) do not have. Only the version can be wrong — the
 * id is the hash of the bytes — so neither the bytes nor their sender are
 * blamed; `maker` names who published it.
 */
export function misstatedChunk(t: Task, i: number, actual: number, maker: string): MycelError {
  const c = t.chunks[i];
  return new MycelError(
    "chunk_length_misstated",
    "write file",
    `its version (made by ${maker}) says chunk ${c.hash.slice(0, 16)} is ${c.length} bytes, ` +
      `but that chunk is ${actual} bytes; the version is wrong and the file is not written`,
  );
}
