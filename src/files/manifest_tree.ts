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
 * levels added until one root remains. Reading checks every blob's id, its
 * level and entry count against that shape, each child's byte total, and
 * the file size — a peer can't make a list longer or shorter than it says.
 */

import { MycelError } from "../errors.ts";
import { blake3Hex, type ChunkHash, type ChunkRef } from "./chunk_hash.ts";
import {
  decodeManifestNode,
  encodeManifestNode,
  MAX_FANOUT,
  MAX_LEAF_CHUNKS,
  MAX_MANIFEST_LEVEL,
} from "./manifest_codec.ts";

/** Most chunks listed in the version itself. */
export const MAX_INLINE_CHUNKS = 8;
/** Most chunks a manifest tree may list (a root at the highest level). */
export const MAX_MANIFEST_CHUNKS = MAX_LEAF_CHUNKS * MAX_FANOUT ** MAX_MANIFEST_LEVEL;

/** A file's chunks: listed inline (≤ 8), or a manifest tree's root and chunk count (> 8). */
export type ChunkList =
  | { readonly inline: readonly ChunkRef[] }
  | { readonly manifest: ChunkHash; readonly count: number };

/** A manifest blob to store (and offer to peers) under its id. */
export interface ManifestBlob {
  /** BLAKE3 of `bytes`. */
  readonly hash: ChunkHash;
  /** The encoded node. */
  readonly bytes: Uint8Array;
}

/** Fetches a blob by id; undefined when this device doesn't have it. */
export type GetBlob = (hash: ChunkHash) => Promise<Uint8Array | undefined> | Uint8Array | undefined;

/** Node counts per level for `count` chunks, leaves first. */
function shape(count: number): number[] {
  const levels = [Math.ceil(count / MAX_LEAF_CHUNKS)];
  while (levels[levels.length - 1] > 1) {
    levels.push(Math.ceil(levels[levels.length - 1] / MAX_FANOUT));
  }
  return levels;
}

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

function bad(reason: string, value?: string): MycelError {
  return new MycelError("bad_manifest", "read file manifest", reason, { value });
}

/**
 * The chunks of `list` for a file of `size` bytes, fetching manifest blobs
 * through `getBlob` and checking them all (see the module comment).
 * @throws MycelError `manifest_missing` naming a blob `getBlob` lacks (fetch
 * it elsewhere and retry), `bad_manifest` for anything inconsistent
 */
export async function resolveChunkList(
  list: ChunkList,
  size: number,
  getBlob: GetBlob,
): Promise<ChunkRef[]> {
  if ("inline" in list) {
    const total = list.inline.reduce((s, c) => s + c.length, 0);
    if (total !== size) throw bad("the chunks do not add up to the file size");
    return [...list.inline];
  }
  const levels = shape(list.count);
  const out: ChunkRef[] = [];
  const visit = async (hash: ChunkHash, level: number, index: number, bytes: number) => {
    const blob = await getBlob(hash);
    if (blob === undefined) {
      throw new MycelError("manifest_missing", "read file manifest", "a manifest blob is missing", {
        value: hash,
      });
    }
    if (await blake3Hex(blob) !== hash) throw bad("a manifest blob does not match its id", hash);
    const node = decodeManifestNode(blob);
    const below = level === 0 ? list.count : levels[level - 1];
    const per = level === 0 ? MAX_LEAF_CHUNKS : MAX_FANOUT;
    const expected = Math.min(per, below - index * per);
    if (node.level !== level || node.entries.length !== expected) {
      throw bad("the manifest tree is not shaped as its chunk count says", hash);
    }
    if (node.entries.reduce((s, e) => s + e.length, 0) !== bytes) {
      throw bad("a manifest node's sizes do not add up", hash);
    }
    for (let i = 0; i < node.entries.length; i++) {
      const e = node.entries[i];
      if (level === 0) out.push(e);
      else await visit(e.hash, level - 1, index * per + i, e.length);
    }
  };
  if (levels.length - 1 > MAX_MANIFEST_LEVEL) throw bad("the chunk count is too large");
  await visit(list.manifest, levels.length - 1, 0, size);
  return out;
}
