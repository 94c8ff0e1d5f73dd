/**
 * @module hash_pool
 * BLAKE3 on a second thread. A scan's main thread reads and cuts chunks
 * while a worker (hash_worker.ts) hashes the ones already cut: in a CPU
 * profile of `folder add` on a 1 GiB tree, hashing was 1.34 s of 2.78 s
 * (hash-wasm, one core), and a short-lived command otherwise leaves the
 * second core idle. Measured gain: docs/folders.md, "Scanning".
 *
 * Chunks are copied into a buffer the pool owns, laid end to end, and sent
 * to the worker about {@link BATCH_BYTES} at a time: a message costs the
 * sending thread 20–50 µs whatever it carries, about what hashing 50 KB
 * costs, and a scan of small files has one chunk per file. A batch not yet
 * full goes once the thread turns to its event loop (a timer), or when
 * someone {@link HashPool.settle}s. Buffers come back with the ids and are
 * reused, so the memory held is the batches in flight: the bytes the caller
 * bounds through {@link HashPool.inFlight} and {@link HashPool.settle}, each
 * batch's buffer rounded up to a power of two of at least BATCH_BYTES, plus
 * up to 12 MiB of returned buffers kept for reuse. The worker
 * starts when the pool is made: make one only when there is much to hash.
 * {@link HashPool.close} must be called (a live worker keeps the process up).
 */

import type { ChunkHash } from "../log/chunk_list.ts";
import type { HashAnswer, HashRequest } from "./hash_worker.ts";

/** Bytes of returned buffers kept for reuse at most. */
const FREE_BYTES = 12 << 20;
/** Bytes gathered before a batch goes to the worker. */
export const BATCH_BYTES = 1 << 20;

interface Waiting {
  resolve(hash: ChunkHash): void;
  reject(e: Error): void;
}

/** Chunks gathered for one message. */
interface Batch {
  readonly buf: ArrayBuffer;
  used: number;
  readonly lengths: number[];
  readonly waiting: Waiting[];
}

/** A worker hashing buffers in order (see the module comment). */
export class HashPool {
  readonly #workers: Worker[];
  /** Batches sent and not answered, by id. */
  readonly #sent = new Map<number, Batch>();
  /** The batch being gathered. */
  #batch: Batch | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Returned buffers by size, for reuse. */
  readonly #free = new Map<number, ArrayBuffer[]>();
  #freeBytes = 0;
  #next = 0;
  #bytes = 0;
  #failed: Error | undefined;
  #drained: (() => void)[] = [];

  /** Start `workers` workers (batches go round-robin; one is what was measured). */
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

  /** Bytes handed to {@link hash} and not answered yet. */
  get inFlight(): number {
    return this.#bytes;
  }

  /** BLAKE3 of `bytes` (copied at once: the caller may reuse them). */
  hash(bytes: Uint8Array): Promise<ChunkHash> {
    if (this.#failed) return Promise.reject(this.#failed);
    let b = this.#batch;
    if (b !== undefined && b.used + bytes.length > b.buf.byteLength) {
      this.#flush();
      b = undefined;
    }
    b ??= this.#batch = {
      buf: this.#buffer(Math.max(BATCH_BYTES, bytes.length)),
      used: 0,
      lengths: [],
      waiting: [],
    };
    new Uint8Array(b.buf, b.used, bytes.length).set(bytes);
    b.used += bytes.length;
    b.lengths.push(bytes.length);
    this.#bytes += bytes.length;
    const batch = b;
    const hash = new Promise<ChunkHash>((resolve, reject) =>
      batch.waiting.push({ resolve, reject })
    );
    if (b.used >= BATCH_BYTES) this.#flush();
    else {
      this.#timer ??= setTimeout(() => {
        this.#timer = undefined;
        this.#flush();
      }, 0);
    }
    return hash;
  }

  /** Resolves once at most `most` bytes are in flight. */
  async settle(most = 0): Promise<void> {
    while (this.#bytes > most && this.#failed === undefined) {
      this.#flush(); // what is still gathered would never be answered
      await new Promise<void>((r) => this.#drained.push(r));
    }
  }

  /** Stop the worker; what is still in flight is refused. */
  close(): void {
    this.#fail(new Error("the hashing pool was closed"));
    for (const w of this.#workers) w.terminate();
  }

  /** Send the batch being gathered, if any. */
  #flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const b = this.#batch;
    if (b === undefined) return;
    this.#batch = undefined;
    const id = this.#next++;
    this.#sent.set(id, b);
    const request: HashRequest = { id, buf: b.buf, lengths: b.lengths };
    this.#workers[id % this.#workers.length].postMessage(request, [b.buf]);
  }

  #buffer(length: number): ArrayBuffer {
    // Power-of-two size classes (a new buffer is zero-filled: a cost per
    // byte): a batch reuses one of its class. A batch of small chunks holds
    // a BATCH_BYTES buffer however little it carries; a larger chunk gets a
    // buffer at most twice its size.
    const size = 2 ** Math.ceil(Math.log2(length));
    const buf = this.#free.get(size)?.pop();
    if (buf !== undefined) {
      this.#freeBytes -= size;
      return buf;
    }
    return new ArrayBuffer(size);
  }

  #answer(a: HashAnswer): void {
    const b = this.#sent.get(a.id);
    if (b === undefined) return;
    this.#sent.delete(a.id);
    this.#bytes -= b.used;
    // Kept for reuse up to FREE_BYTES; the rest goes to the collector.
    const size = a.buf.byteLength;
    if (this.#freeBytes + size <= FREE_BYTES) {
      const list = this.#free.get(size);
      if (list) list.push(a.buf);
      else this.#free.set(size, [a.buf]);
      this.#freeBytes += size;
    }
    for (let i = 0; i < b.waiting.length; i++) b.waiting[i].resolve(a.hashes[i]);
    this.#wake();
  }

  #fail(e: Error): void {
    this.#failed ??= e;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batches = [...this.#sent.values(), ...(this.#batch ? [this.#batch] : [])];
    this.#sent.clear();
    this.#batch = undefined;
    for (const b of batches) for (const w of b.waiting) w.reject(this.#failed);
    this.#bytes = 0;
    this.#wake();
  }

  #wake(): void {
    const d = this.#drained;
    this.#drained = [];
    for (const f of d) f();
  }
}
