/**
 * @module chunk_hash
 * Chunk ids: BLAKE3-256 (mycel's four-lane SIMD build, blake3.ts), written
 * as 64 lower-case hex digits in memory and as 32 raw bytes on the wire. A
 * chunk is always checked against its id before it is used.
 *
 * The hasher is created once per process or worker (creating one compiles
 * wasm); hashing is synchronous, so one shared instance is safe between
 * awaits.
 */

import { fromHex, toHex } from "../bytes.ts";
import { lazyImport } from "../lazy_import.ts";

/** A BLAKE3-256 digest as 64 lower-case hex digits. */
export type ChunkHash = string;

/** One chunk of a file: its id and length in bytes. */
export interface ChunkRef {
  /** BLAKE3-256 of the chunk's bytes. */
  readonly hash: ChunkHash;
  /** Length in bytes (≥ 1). */
  readonly length: number;
}

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

const HEX64 = /^[0-9a-f]{64}$/;

/** True when `text` is a chunk id (64 lower-case hex digits). */
export function isChunkHash(text: unknown): text is ChunkHash {
  return typeof text === "string" && HEX64.test(text);
}

/** Wire form of a chunk id. */
export function chunkHashBytes(hash: ChunkHash): Uint8Array {
  if (!isChunkHash(hash)) throw new RangeError("not a chunk hash");
  return fromHex(hash);
}

/** Chunk id from its wire form, or undefined when it is not 32 bytes. */
export function chunkHashFromBytes(bytes: Uint8Array | undefined): ChunkHash | undefined {
  return bytes?.length === 32 ? toHex(bytes) : undefined;
}
