/**
 * @module chunk_list
 * A file version's chunk list (file_version.ts), the chunk ids it names and
 * the bounds a version is checked against when it is decoded. Ids are
 * BLAKE3-256 digests, 64 lower-case hex digits in memory and 32 raw bytes on
 * the wire (computing one is files/chunk_hash.ts, so the log needs no
 * hasher). A list is inline up to {@link MAX_INLINE_CHUNKS} chunks, else the
 * root of a tree of manifest blobs (files/manifest_tree.ts) whose shape the
 * limits here fix. They are part of the log format: a version outside them
 * is refused at ingest on every device, so they never widen. Pure.
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

/** Most chunks listed in the version itself. */
export const MAX_INLINE_CHUNKS = 8;
/** Most chunks one leaf of a manifest tree lists (a full leaf is about 160 KiB). */
export const MAX_LEAF_CHUNKS = 4096;
/** Most children one interior node of a manifest tree lists. */
export const MAX_FANOUT = 4096;
/** Highest level: a root at level 2 covers 4096³ chunks. */
export const MAX_MANIFEST_LEVEL = 2;
/** Most chunks a manifest tree may list (a root at the highest level). */
export const MAX_MANIFEST_CHUNKS = MAX_LEAF_CHUNKS * MAX_FANOUT ** MAX_MANIFEST_LEVEL;

/**
 * The smallest minimum any chunking parameters allow (files/chunk_params.ts):
 * every chunk of a file but its last is at least this long, whatever the
 * mesh's parameters, so decoders bound a file's chunk count by its size with
 * it (chunk_list_codec.ts).
 */
export const MIN_CHUNK_FLOOR = 64;

/** The largest chunk any parameters allow; decoders bound chunk lengths by it. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** A file's chunks: listed inline (≤ 8), or a manifest tree's root and chunk count (> 8). */
export type ChunkList =
  | { readonly inline: readonly ChunkRef[] }
  | { readonly manifest: ChunkHash; readonly count: number };

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
