/**
 * @module entry_hash_worker
 * The worker behind {@link EntryHashes} (entry_hashes.ts): the SHA-256 of
 * each entry in a batch it is handed (the entries laid end to end in one
 * buffer), answered with the hashes laid end to end, in the order asked.
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { createSHA256 } from "hash-wasm";

/** A request: hash the entries of `buf` that end at each of `ends`. */
export interface EntryHashRequest {
  readonly id: number;
  readonly buf: ArrayBuffer;
  readonly ends: readonly number[];
}

/** The answer: 32 bytes per entry, in order. */
export interface EntryHashAnswer {
  readonly id: number;
  readonly hashes: ArrayBuffer;
}

const sha256 = createSHA256();

self.onmessage = async (e: MessageEvent<EntryHashRequest>) => {
  const { id, buf, ends } = e.data;
  const h = await sha256;
  const out = new Uint8Array(ends.length * 32);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    h.init();
    h.update(new Uint8Array(buf, start, ends[i] - start));
    out.set(h.digest("binary"), i * 32);
    start = ends[i];
  }
  const answer: EntryHashAnswer = { id, hashes: out.buffer };
  self.postMessage(answer, [out.buffer]);
};
