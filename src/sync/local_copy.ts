/**
 * @module local_copy
 * A large file's chunks copied from this device's own indexed files, with
 * the check of each chunk against its id on a second thread.
 *
 * Why: after 1 MiB changed in a 512 MiB file, the receiving device rebuilds
 * the file from the 511 MiB it already has. Read, hashed and written one
 * chunk after another on the main thread, BLAKE3 was 445 ms of that round's
 * 1.95 s CPU profile, and the second core sat idle. Here the main thread
 * reads and writes while a worker (files/hash_pool.ts) hashes up to
 * {@link WINDOW_BYTES} ahead; each chunk is written only once its hash is
 * its id, so nothing unchecked reaches the file.
 *
 * A chunk whose bytes differ from its id (the file changed since it was
 * indexed) or that no local file holds any more is returned to the caller,
 * which tries the other places and then the peers, as for a small file.
 * Small files keep the plain path: starting the worker costs more than
 * hashing them.
 */

import type { ChunkRef } from "../log/chunk_list.ts";
import { HashPool } from "../files/hash_pool.ts";
import { bitSet, type Task } from "./folder_apply_task.ts";
import type { TaskWriter } from "./folder_apply_write.ts";
import type { LocalChunks } from "./local_chunks.ts";

/** Files smaller than this are copied chunk by chunk on the main thread. */
export const PIPELINE_MIN_BYTES = 8 << 20;
/** Bytes read and waiting for their hash at most. */
export const WINDOW_BYTES = 16 << 20;

/** Copies local chunks into files, hashing on a second thread (see the module comment). */
export class LocalCopy {
  readonly #w: TaskWriter;
  #pool: HashPool | undefined;

  constructor(w: TaskWriter) {
    this.#w = w;
  }

  /**
   * Put every chunk of `t` not done yet that a local file holds with the
   * right bytes; returns the indexes of those it did not put, in order, and
   * the bytes it put. A small file's chunks are all returned (plain path),
   * and so is every chunk once `halted` says the round stops.
   */
  async copy(
    t: Task,
    chunks: readonly ChunkRef[],
    locals: LocalChunks,
    halted: () => boolean = () => false,
  ): Promise<{ left: number[]; bytes: number }> {
    const todo: number[] = [];
    for (let i = 0; i < chunks.length; i++) if (!bitSet(t.done, i)) todo.push(i);
    if (t.version.size < PIPELINE_MIN_BYTES || todo.length < 2) return { left: todo, bytes: 0 };
    const left: number[] = [];
    const window: { i: number; bytes: Uint8Array; hash: Promise<string> }[] = [];
    let waiting = 0, put = 0;
    const settle = async () => {
      const next = window.shift()!;
      waiting -= next.bytes.length;
      // Halted (Ctrl-C, the folder stopped): nothing more is written. A
      // worker that failed leaves the chunk to the plain path, which hashes here.
      const hash = await next.hash.catch(() => undefined);
      if (hash !== chunks[next.i].hash || halted()) {
        left.push(next.i);
        return;
      }
      await this.#w.put(t, next.i, next.bytes, true);
      put += next.bytes.length;
    };
    for (const i of todo) {
      if (halted()) {
        left.push(i);
        continue;
      }
      const bytes = await locals.read(chunks[i].hash);
      if (bytes === undefined || bytes.length !== chunks[i].length) {
        left.push(i);
        continue;
      }
      // Started at the first chunk a local file holds: a file fetched whole
      // (a first sync) starts no worker.
      this.#pool ??= new HashPool();
      const hash = this.#pool.hash(bytes);
      // Handled at once: a worker that fails rejects every hash while this
      // loop awaits a read, and an unhandled rejection ends the process.
      hash.catch(() => {});
      window.push({ i, bytes, hash });
      waiting += bytes.length;
      while (waiting > WINDOW_BYTES) await settle();
    }
    while (window.length > 0) await settle();
    return { left: left.sort((a, b) => a - b), bytes: put };
  }

  /** Stop the hashing worker, if one was started (a live worker keeps the process up). */
  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
  }
}
