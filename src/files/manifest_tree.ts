/**
 * @module manifest_tree
 * A file's chunk list as a file version carries it: inline when short, else
 * the id of the root of a tree of manifest blobs (manifest_codec.ts), so a
 * 10 GB file's version is a small record and its chunk list travels as a
 * few content-addressed blobs.
 *
 * The tree's shape is a function of the chunk count alone: leaves of
 * exactly {@link MAX_LEAF_CHUNKS} chunks (the last may hold fewer), interior
 * nodes of exactly {@link MAX_FANOUT} children (the last may hold fewer),
 * levels added until one root remains. Reading (manifest_resolve.ts) checks
 * every blob's id, its level and entry count against that shape, each
 * child's byte total, and the file size — a peer can't make a list longer or
 * shorter than it says.
 */

import { MycelError } from "../errors.ts";
import { blake3Hex } from "./chunk_hash.ts";
import {
  type ChunkHash,
  type ChunkList,
  type ChunkRef,
  MAX_FANOUT,
  MAX_INLINE_CHUNKS,
  MAX_LEAF_CHUNKS,
  MAX_MANIFEST_CHUNKS,
} from "../log/chunk_list.ts";
import { encodeManifestNode } from "./manifest_codec.ts";

// Reading a tree is manifest_resolve.ts (level by level, bounded); callers import it from here too.
export { resolveChunkList } from "./manifest_resolve.ts";

/** A manifest blob to store (and offer to peers) under its id. */
export interface ManifestBlob {
  /** BLAKE3 of `bytes`. */
  readonly hash: ChunkHash;
  /** The encoded node. */
  readonly bytes: Uint8Array;
}

/** Fetches a blob by id; undefined when this device doesn't have it. */
export type GetBlob = (hash: ChunkHash) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/**
 * The chunk list for a file's chunks, and the manifest blobs it needs
 * (none when inline), children before parents.
 */
export async function makeChunkList(
  chunks: readonly ChunkRef[],
): Promise<{ list: ChunkList; blobs: ManifestBlob[] }> {
  if (chunks.length <= MAX_INLINE_CHUNKS) return { list: { inline: [...chunks] }, blobs: [] };
  if (chunks.length > MAX_MANIFEST_CHUNKS) {
    throw new MycelError("file_too_large", "list file chunks", "the file has too many chunks", {
      value: `${chunks.length} chunks`,
    });
  }
  const blobs: ManifestBlob[] = [];
  let level = 0;
  let entries: readonly ChunkRef[] = chunks;
  while (true) {
    const per = level === 0 ? MAX_LEAF_CHUNKS : MAX_FANOUT;
    const next: ChunkRef[] = [];
    for (let i = 0; i < entries.length; i += per) {
      const part = entries.slice(i, i + per);
      const bytes = encodeManifestNode({ level, entries: part });
      const hash = await blake3Hex(bytes);
      blobs.push({ hash, bytes });
      next.push({ hash, length: part.reduce((s, e) => s + e.length, 0) });
    }
    if (next.length === 1) return { list: { manifest: next[0].hash, count: chunks.length }, blobs };
    entries = next;
    level++;
  }
}
