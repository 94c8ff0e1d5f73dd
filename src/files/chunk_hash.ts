/**
 * @module chunk_hash
 * Chunk ids: BLAKE3-256 (mycel's four-lane SIMD build, blake3.ts), written
 * as 64 lower-case hex digits (the ids themselves, their checks and wire
 * form: log/chunk_list.ts). A chunk is always checked against its id before it
 * is used.
 *
 * The hasher is created once per process or worker (creating one compiles
 * wasm); hashing is synchronous, so one shared instance is safe between
 * awaits.
 */

import { lazyImport } from "../lazy_import.ts";
import type { ChunkHash } from "../log/chunk_list.ts";

/** Synchronous BLAKE3-256 → hex, available once {@link loadBlake3} resolved. */
export type Blake3 = (bytes: Uint8Array) => ChunkHash;

let loaded: Promise<Blake3> | undefined;

/** The process's BLAKE3 function (created on first use). */
export function loadBlake3(): Promise<Blake3> {
  // Created on first use: every command imports the op codecs (and so chunk
  // ids), and only folder work needs the hasher and its 1.1 MiB of memory.
  loaded ??= lazyImport<typeof import("./blake3.ts")>(new URL("./blake3.ts", import.meta.url))
    .then(async ({ Blake3Hasher, simdAvailable }) => {
      if (simdAvailable()) {
        const hasher = new Blake3Hasher();
        return (bytes: Uint8Array) => hasher.hex(bytes);
      }
      // V8 turns wasm SIMD off on x86-64 CPUs without SSE4.1: the scalar
      // build, slower by 2.5x, gives the same digests.
      const { createBLAKE3 } = await import("hash-wasm");
      const h = await createBLAKE3(256);
      return (bytes: Uint8Array) => h.init().update(bytes).digest("hex");
    });
  return loaded;
}

/** BLAKE3-256 of `bytes` as hex. */
export async function blake3Hex(bytes: Uint8Array): Promise<ChunkHash> {
  return (await loadBlake3())(bytes);
}
