/**
 * @module entry_hashes
 * SHA-256 of a peer's entries on a second thread, while the main thread
 * decodes, stores and folds the batch before. A profile of a 100k-entry
 * ingest put SHA-256 at about 15 % of it (hash-wasm, one core); a
 * short-lived command otherwise leaves the second core idle. Measured gain:
 * docs/benchmarks.md, "Ingest".
 *
 * Started only for a large transfer (the worker costs some milliseconds to
 * start). Each batch is copied into one buffer and transferred. A batch
 * whose hashes can't be had (the worker failed or was closed) is hashed on
 * the main thread as before: {@link EntryHashes.hashes} resolves to
 * undefined, never rejects. {@link EntryHashes.close} must be called (a live
 * worker keeps the process up).
 */

import type { EntryHashAnswer, EntryHashRequest } from "./entry_hash_worker.ts";

type Hashes = readonly Uint8Array[] | undefined;

/** A worker hashing batches of entries in order. */
export class EntryHashes {
  readonly #worker: Worker;
  readonly #waiting = new Map<number, (hashes: Hashes) => void>();
  #next = 0;
  #closed = false;

  constructor() {
    this.#worker = new Worker(new URL("./entry_hash_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (e: MessageEvent<EntryHashAnswer>) => {
      const done = this.#waiting.get(e.data.id);
      if (done === undefined) return;
      this.#waiting.delete(e.data.id);
      const all = new Uint8Array(e.data.hashes);
      done(Array.from({ length: all.length / 32 }, (_, i) => all.subarray(i * 32, i * 32 + 32)));
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.close(); // what waits is hashed on the main thread
    };
  }

  /** The SHA-256 of each of `raw` (copied at once), or undefined if the worker can't give them. */
  hashes(raw: readonly Uint8Array[]): Promise<Hashes> {
    if (this.#closed || raw.length === 0) return Promise.resolve(undefined);
    let size = 0;
    for (const r of raw) size += r.length;
    const buf = new ArrayBuffer(size);
    const view = new Uint8Array(buf);
    const ends: number[] = [];
    let at = 0;
    for (const r of raw) {
      view.set(r, at);
      ends.push(at += r.length);
    }
    const id = this.#next++;
    return new Promise<Hashes>((resolve) => {
      this.#waiting.set(id, resolve);
      const request: EntryHashRequest = { id, buf, ends };
      this.#worker.postMessage(request, [buf]);
    });
  }

  /** Stop the worker; batches still waiting resolve to undefined. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#worker.terminate();
    for (const done of this.#waiting.values()) done(undefined);
    this.#waiting.clear();
  }
}
