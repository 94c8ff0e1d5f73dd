/**
 * @module hash_worker
 * The worker behind {@link HashPool} (hash_pool.ts): BLAKE3 of each buffer
 * it is handed, answered with the buffer itself so the pool can reuse it.
 * Messages are answered in the order they came.
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { loadBlake3 } from "./chunk_hash.ts";

/** A request: hash `length` bytes of `buf`. */
export interface HashRequest {
  readonly id: number;
  readonly buf: ArrayBuffer;
  readonly length: number;
}

/** The answer: the id, the hash, and the buffer handed back. */
export interface HashAnswer {
  readonly id: number;
  readonly hash: string;
  readonly buf: ArrayBuffer;
}

const blake3 = loadBlake3();

self.onmessage = async (e: MessageEvent<HashRequest>) => {
  const { id, buf, length } = e.data;
  const hash = (await blake3)(new Uint8Array(buf, 0, length));
  const answer: HashAnswer = { id, hash, buf };
  self.postMessage(answer, [buf]);
};
