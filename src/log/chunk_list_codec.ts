/**
 * @module chunk_list_codec
 * The chunk list inside a file version (file_version.ts): wire form
 * `[0, id, length, id, length, ...]` for up to 8 inline chunks, or
 * `[1, rootId, chunkCount]` for a manifest tree (files/manifest_tree.ts) of more.
 * Which form a list takes follows from its length, so each list has one
 * encoding.
 */

import { asBytes } from "../bytes.ts";
import {
  chunkHashBytes,
  chunkHashFromBytes,
  type ChunkList,
  isChunkHash,
  MAX_CHUNK_BYTES,
  MAX_INLINE_CHUNKS,
  MAX_MANIFEST_CHUNKS,
  MIN_CHUNK_FLOOR,
} from "./chunk_list.ts";
import { toSafeInteger } from "./version_vector.ts";

/** Why `list` can't describe `size` bytes, or undefined. */
export function chunkListProblem(list: ChunkList, size: number): string | undefined {
  if ("inline" in list) {
    if (list.inline.length > MAX_INLINE_CHUNKS) return "too many inline chunks";
    let total = 0;
    for (const c of list.inline) {
      if (!isChunkHash(c.hash)) return "a chunk id is not a 32-byte hash";
      if (!Number.isSafeInteger(c.length) || c.length < 1 || c.length > MAX_CHUNK_BYTES) {
        return "a chunk length is outside 1 B – 16 MiB";
      }
      total += c.length;
    }
    return total === size ? undefined : "the chunks do not add up to the size";
  }
  if (!isChunkHash(list.manifest)) return "the manifest id is not a 32-byte hash";
  const n = list.count;
  if (!Number.isSafeInteger(n) || n <= MAX_INLINE_CHUNKS || n > MAX_MANIFEST_CHUNKS) {
    return `a manifest must list ${MAX_INLINE_CHUNKS + 1}–${MAX_MANIFEST_CHUNKS} chunks`;
  }
  // The chunker cuts no chunk but the last shorter than the minimum, and no
  // parameters have a minimum under MIN_CHUNK_FLOOR: a list of more chunks is
  // one no device made. Checked here, so such a version is never folded: a
  // member's 4096³ one-byte chunks under three repeated blobs ran every
  // device that read it out of memory (tests/folders/manifest_bomb_test.ts).
  if (size < (n - 1) * MIN_CHUNK_FLOOR + 1) {
    return `more chunks than the size can be cut into (${n} chunks of at least ${MIN_CHUNK_FLOOR} B)`;
  }
  return size <= n * MAX_CHUNK_BYTES ? undefined : "size and chunk count disagree";
}

/** Wire form of a list (checked by the caller with {@link chunkListProblem}). */
export function encodeChunkList(c: ChunkList): unknown[] {
  return "inline" in c
    ? [0, ...c.inline.flatMap((r) => [chunkHashBytes(r.hash), r.length])]
    : [1, chunkHashBytes(c.manifest), c.count];
}

/** Decode the wire form; undefined when it is not one (values are checked by {@link chunkListProblem}). */
export function decodeChunkList(x: unknown): ChunkList | undefined {
  if (!Array.isArray(x) || (x[0] !== 0 && x[0] !== 1)) return undefined;
  if (x[0] === 1) {
    const manifest = chunkHashFromBytes(asBytes(x[1]));
    const count = toSafeInteger(x[2]);
    if (x.length !== 3 || manifest === undefined || count === undefined) {
      return undefined;
    }
    return { manifest, count };
  }
  if (x.length % 2 !== 1 || x.length > 1 + 2 * MAX_INLINE_CHUNKS) {
    return undefined;
  }
  const inline = [];
  for (let i = 1; i < x.length; i += 2) {
    const hash = chunkHashFromBytes(asBytes(x[i]));
    const length = toSafeInteger(x[i + 1]);
    if (hash === undefined || length === undefined) return undefined;
    inline.push({ hash, length });
  }
  return { inline };
}
