/**
 * @module hash_worker
 * The worker behind {@link HashPool} (hash_pool.ts): BLAKE3 of each chunk
 * of a batch it is handed (the chunks laid end to end in one buffer),
 * answered with the ids in order and the buffer itself, so the pool can
 * reuse it. Batches are answered in the order they came.
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { loadBlake3 } from "./chunk_hash.ts";

/** A request: hash the chunks of `buf`, `lengths[i]` bytes each, laid end to end. */
export interface HashRequest {
  readonly id: number;
  readonly buf: ArrayBuffer;
  readonly lengths: readonly number[];
}

/** The answer: the id, a hash per chunk, and the buffer handed back. */
export interface HashAnswer {
  readonly id: number;
  readonly hashes: readonly string[];
  readonly buf: ArrayBuffer;
}

const blake3 = loadBlake3();

self.onmessage = async (e: MessageEvent<HashRequest>) => {
  const { id, buf, lengths } = e.data;
  const hash = await blake3;
  const hashes: string[] = [];
  let at = 0;
  for (const n of lengths) {
    hashes.push(hash(new Uint8Array(buf, at, n)));
    at += n;
  }
  const answer: HashAnswer = { id, hashes, buf };
  self.postMessage(answer, [buf]);
};
