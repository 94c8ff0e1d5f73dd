/**
 * @module hash_pool
 * BLAKE3 on a second thread. A scan's main thread reads and cuts chunks
 * while a worker (hash_worker.ts) hashes the ones already cut: in a CPU
 * profile of `folder add` on a 1 GiB tree, hashing was 1.34 s of 2.78 s
 * (hash-wasm, one core), and a short-lived command otherwise leaves the
 * second core idle. Measured gain: docs/folders.md, "Scanning".
 *
 * Each chunk is copied into a buffer the pool owns and transferred to the
 * worker, which hands it back with the hash; buffers are reused, so the
 * memory held is the bytes in flight (bounded by the caller through
 * {@link HashPool.inFlight} and {@link HashPool.settle}). The worker starts
 * when the pool is made: make one only when there is much to hash.
 * {@link HashPool.close} must be called (a live worker keeps the process up).
 */

import type { ChunkHash } from "./chunk_hash.ts";
import type { HashAnswer, HashRequest } from "./hash_worker.ts";

/** Bytes of returned buffers kept for reuse at most. */
const FREE_BYTES = 12 << 20;

interface Waiting {
  resolve(hash: ChunkHash): void;
  reject(e: Error): void;
  length: number;
}

/** A worker hashing buffers in order (see the module comment). */
export class HashPool {
  readonly #workers: Worker[];
  readonly #waiting = new Map<number, Waiting>();
  /** Returned buffers by size, for reuse. */
  readonly #free = new Map<number, ArrayBuffer[]>();
  #freeBytes = 0;
  #next = 0;
  #bytes = 0;
  #failed: Error | undefined;
  #drained: (() => void)[] = [];

  /** Start `workers` workers (chunks go round-robin; one is what was measured: see the module comment). */
  constructor(workers = 1) {
    this.#workers = Array.from({ length: workers }, () => {
      const w = new Worker(new URL("./hash_worker.ts", import.meta.url).href, { type: "module" });
      w.onmessage = (e: MessageEvent<HashAnswer>) => this.#answer(e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#fail(new Error(`the hashing worker failed: ${e.message}`));
      };
      return w;
    });
  }

  /** Bytes handed to the worker and not answered yet. */
  get inFlight(): number {
    return this.#bytes;
  }

  /** BLAKE3 of `bytes` (copied at once: the caller may reuse them). */
  hash(bytes: Uint8Array): Promise<ChunkHash> {
    if (this.#failed) return Promise.reject(this.#failed);
    const id = this.#next++;
    const buf = this.#buffer(bytes.length);
    new Uint8Array(buf, 0, bytes.length).set(bytes);
    this.#bytes += bytes.length;
    return new Promise<ChunkHash>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject, length: bytes.length });
      const request: HashRequest = { id, buf, length: bytes.length };
      this.#workers[id % this.#workers.length].postMessage(request, [buf]);
    });
  }

  /** Resolves once at most `most` bytes are in flight. */
  async settle(most = 0): Promise<void> {
    while (this.#bytes > most && this.#failed === undefined) {
      await new Promise<void>((r) => this.#drained.push(r));
    }
  }

  /** Stop the worker; what is still in flight is refused. */
  close(): void {
    this.#fail(new Error("the hashing pool was closed"));
    for (const w of this.#workers) w.terminate();
  }

  #buffer(length: number): ArrayBuffer {
    // Power-of-two size classes from 4 KiB: a chunk reuses a buffer of its
    // class (a new one is zero-filled: a cost per byte), and no buffer is
    // more than twice what it carries.
    const size = Math.max(4096, 2 ** Math.ceil(Math.log2(Math.max(1, length))));
    const buf = this.#free.get(size)?.pop();
    if (buf !== undefined) {
      this.#freeBytes -= size;
      return buf;
    }
    return new ArrayBuffer(size);
  }

  #answer(a: HashAnswer): void {
    const w = this.#waiting.get(a.id);
    if (w === undefined) return;
    this.#waiting.delete(a.id);
    this.#bytes -= w.length;
    // Kept for reuse up to FREE_BYTES; the rest goes to the collector.
    const size = a.buf.byteLength;
    if (this.#freeBytes + size <= FREE_BYTES) {
      const list = this.#free.get(size);
      if (list) list.push(a.buf);
      else this.#free.set(size, [a.buf]);
      this.#freeBytes += size;
    }
    w.resolve(a.hash);
    this.#wake();
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    for (const w of this.#waiting.values()) w.reject(this.#failed);
    this.#waiting.clear();
    this.#bytes = 0;
    this.#wake();
  }

  #wake(): void {
    const d = this.#drained;
    this.#drained = [];
    for (const f of d) f();
  }
}
