/**
 * @module chunk_id
 * Chunk ids as file versions name them: BLAKE3-256 digests, written as 64
 * lower-case hex digits in memory and as 32 raw bytes on the wire. Pure:
 * computing one is files/chunk_hash.ts (the hasher), reading and writing
 * one in a version's chunk list is here, so the log's codecs need no
 * hasher.
 */

import { fromHex, toHex } from "../bytes.ts";

/** A BLAKE3-256 digest as 64 lower-case hex digits. */
export type ChunkHash = string;

/** One chunk of a file: its id and length in bytes. */
export interface ChunkRef {
  /** BLAKE3-256 of the chunk's bytes. */
  readonly hash: ChunkHash;
  /** Length in bytes (≥ 1). */
  readonly length: number;
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
