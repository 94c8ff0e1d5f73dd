/**
 * @module manifest_codec
 * One manifest blob: a node of the tree that lists a large file's chunks.
 * A blob is stored and fetched like a chunk, under the BLAKE3 of its bytes.
 *
 * Wire form (CBOR): `[1, level, [hash, length, hash, length, ...]]`.
 * - level 0, a leaf: 1–{@link MAX_LEAF_CHUNKS} content chunks, each a
 *   32-byte BLAKE3 id and a length of 1 B – 16 MiB;
 * - level 1–{@link MAX_MANIFEST_LEVEL}, an interior node: 1–
 *   {@link MAX_FANOUT} children, each a child blob's id and the number of
 *   file bytes under it.
 * Decoding is strict: the bytes must be exactly what {@link encodeManifestNode}
 * writes for the decoded node, so one node has one byte form (and one id).
 * The tree's limits are part of the log format (log/chunk_list.ts).
 */

import { asBytes, bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import {
  chunkHashBytes,
  chunkHashFromBytes,
  type ChunkRef,
  isChunkHash,
  MAX_CHUNK_BYTES,
  MAX_FANOUT,
  MAX_LEAF_CHUNKS,
  MAX_MANIFEST_LEVEL,
} from "../log/chunk_list.ts";
import { toSafeInteger } from "../log/version_vector.ts";

/** Largest manifest blob accepted (a full node is under 170 KiB). */
export const MAX_MANIFEST_BLOB_BYTES = 192 * 1024;

const VERSION = 1;

/** A decoded manifest node. */
export interface ManifestNode {
  /** 0 for a leaf (entries are chunks), ≥ 1 for an interior node (entries are children). */
  readonly level: number;
  /** Leaf: chunk id and length. Interior: child blob id and the file bytes under it. */
  readonly entries: readonly ChunkRef[];
}

function bad(reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_manifest", "read file manifest", reason, { cause });
}

/** Why `node` cannot be encoded (or was wrongly decoded), or undefined. */
function nodeProblem(node: ManifestNode): string | undefined {
  const { level, entries } = node;
  if (!Number.isSafeInteger(level) || level < 0 || level > MAX_MANIFEST_LEVEL) {
    return `level must be 0–${MAX_MANIFEST_LEVEL}`;
  }
  const most = level === 0 ? MAX_LEAF_CHUNKS : MAX_FANOUT;
  if (entries.length < 1 || entries.length > most) return `it must list 1–${most} entries`;
  let total = 0;
  for (const e of entries) {
    if (!isChunkHash(e.hash)) return "an entry's id is not a 32-byte hash";
    const longest = level === 0 ? MAX_CHUNK_BYTES : Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(e.length) || e.length < 1 || e.length > longest) {
      return level === 0 ? "a chunk length is outside 1 B – 16 MiB" : "a child's size is invalid";
    }
    total += e.length;
    if (!Number.isSafeInteger(total)) return "the sizes add up past 2^53";
  }
  return undefined;
}

/**
 * Encode a node.
 * @throws MycelError `bad_manifest` for anything a decoder would refuse
 */
export function encodeManifestNode(node: ManifestNode): Uint8Array {
  const problem = nodeProblem(node);
  if (problem !== undefined) throw bad(problem);
  const flat: unknown[] = [];
  for (const e of node.entries) flat.push(chunkHashBytes(e.hash), e.length);
  const bytes = encodeCbor([VERSION, node.level, flat]);
  if (bytes.length > MAX_MANIFEST_BLOB_BYTES) throw bad("the encoded node is too large");
  return bytes;
}

/**
 * Decode a node (its id is checked by the caller, who knows which it asked for).
 * @throws MycelError `bad_manifest`
 */
export function decodeManifestNode(bytes: Uint8Array): ManifestNode {
  if (bytes.length > MAX_MANIFEST_BLOB_BYTES) {
    throw bad(`it is larger than ${MAX_MANIFEST_BLOB_BYTES} bytes`);
  }
  let x: unknown;
  try {
    x = decodeCbor(bytes, "file manifest");
  } catch (e) {
    throw bad("it is not valid CBOR", e);
  }
  if (!Array.isArray(x) || x.length !== 3) throw bad("it is not [version, level, entries]");
  if (x[0] !== VERSION) throw bad("unsupported manifest version");
  const level = toSafeInteger(x[1]);
  const flat = x[2];
  if (level === undefined || !Array.isArray(flat) || flat.length % 2 !== 0) {
    throw bad("level or entries malformed");
  }
  if (flat.length > 2 * Math.max(MAX_LEAF_CHUNKS, MAX_FANOUT)) throw bad("too many entries");
  const entries: ChunkRef[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    const hash = chunkHashFromBytes(asBytes(flat[i]));
    const length = toSafeInteger(flat[i + 1]);
    if (hash === undefined || length === undefined) throw bad("an entry is malformed");
    entries.push({ hash, length });
  }
  const node = { level, entries };
  const problem = nodeProblem(node);
  if (problem !== undefined) throw bad(problem);
  if (!bytesEqual(encodeManifestNode(node), bytes)) throw bad("its encoding is not canonical");
  return node;
}
