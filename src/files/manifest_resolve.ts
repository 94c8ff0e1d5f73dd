/**
 * @module manifest_resolve
 * Reading a chunk list's manifest tree (manifest_tree.ts) a level at a time:
 * every node of a level is looked up before any below it, so one pass names
 * all the blobs a level lacks (an honest 10 GB file's nine leaves are asked
 * for together, not one a round), each with what it must be — its level,
 * entry count and byte total follow from the chunk count and its parent —
 * so a fetched blob is checked before it is stored (folder_apply_lists.ts).
 *
 * Work is bounded by the chunk count, which is bounded in turn: a version
 * may claim 4096³ chunks, so a list of more than {@link MAX_RESOLVED_CHUNKS}
 * is refused before a blob is read, and a node is decoded once per id (a
 * tree of identical nodes is not re-read at each place it appears).
 */

import { MycelError } from "../errors.ts";
import { blake3Hex } from "./chunk_hash.ts";
import {
  type ChunkHash,
  type ChunkList,
  type ChunkRef,
  MAX_FANOUT,
  MAX_LEAF_CHUNKS,
  MAX_MANIFEST_LEVEL,
} from "../log/chunk_list.ts";
import { decodeManifestNode } from "./manifest_codec.ts";
import type { GetBlob } from "./manifest_tree.ts";

/**
 * Most chunks a device takes on for one file (and in one round, see
 * folder_apply_lists.ts). The list is held in memory while the file is
 * fetched (some 100 B a chunk), and the file phase looks each chunk up on
 * this device: 4 Mi chunks of one repeated leaf took that phase over a
 * minute here. At the default 256 KiB average this is a file of about
 * 512 GiB, at the default 64 KiB minimum never less than 128 GiB.
 */
export const MAX_RESOLVED_CHUNKS = 1 << 21;

/** A place in a tree: the blob there and what it must hold. */
export interface NodeSlot {
  /** The blob's id. */
  readonly hash: ChunkHash;
  /** Its level (0: a leaf). */
  readonly level: number;
  /** How many entries it lists. */
  readonly entries: number;
  /** The file bytes under it. */
  readonly bytes: number;
  /** Its index among the nodes of its level. */
  readonly index: number;
}

/** Nodes already read, by id, with their byte totals (one per round or call). */
export type NodeCache = Map<
  ChunkHash,
  { readonly entries: readonly ChunkRef[]; readonly level: number; readonly bytes: number }
>;

/** A list read in full, or the slots whose blobs `getBlob` lacks (all of one level). */
export type ListStep = { readonly chunks: ChunkRef[] } | { readonly missing: NodeSlot[] };

function bad(reason: string, value?: string): MycelError {
  return new MycelError("bad_manifest", "read file manifest", reason, { value });
}

/** Node counts per level for `count` chunks, leaves first. */
function shape(count: number): number[] {
  const levels = [Math.ceil(count / MAX_LEAF_CHUNKS)];
  while (levels[levels.length - 1] > 1) {
    levels.push(Math.ceil(levels[levels.length - 1] / MAX_FANOUT));
  }
  return levels;
}

/**
 * Check that `blob` is the node `slot` names (id, level, entry count, byte
 * total) and keep it in `cache`.
 * @throws MycelError `bad_manifest`
 */
export async function checkNode(blob: Uint8Array, slot: NodeSlot, cache: NodeCache): Promise<void> {
  let known = cache.get(slot.hash);
  if (known === undefined) {
    if (await blake3Hex(blob) !== slot.hash) {
      throw bad("a manifest blob does not match its id", slot.hash);
    }
    const node = decodeManifestNode(blob);
    const bytes = node.entries.reduce((s, e) => s + e.length, 0);
    known = { entries: node.entries, level: node.level, bytes };
    cache.set(slot.hash, known);
  }
  fits(known, slot);
}

function fits(
  node: { entries: readonly ChunkRef[]; level: number; bytes: number },
  slot: NodeSlot,
): void {
  if (node.level !== slot.level || node.entries.length !== slot.entries) {
    throw bad("the manifest tree is not shaped as its chunk count says", slot.hash);
  }
  if (node.bytes !== slot.bytes) throw bad("a manifest node's sizes do not add up", slot.hash);
}

/**
 * Read `list` for a file of `size` bytes: its chunks when every blob is in
 * `cache` or `getBlob`, else the slots of the highest level with blobs
 * missing.
 * @throws MycelError `file_too_large` past {@link MAX_RESOLVED_CHUNKS},
 * `bad_manifest` for anything inconsistent
 */
export async function stepChunkList(
  list: ChunkList,
  size: number,
  getBlob: GetBlob,
  cache: NodeCache = new Map(),
): Promise<ListStep> {
  if ("inline" in list) {
    const total = list.inline.reduce((s, c) => s + c.length, 0);
    if (total !== size) throw bad("the chunks do not add up to the file size");
    return { chunks: [...list.inline] };
  }
  if (!Number.isSafeInteger(list.count) || list.count < 1) throw bad("the chunk count is invalid");
  if (list.count > MAX_RESOLVED_CHUNKS) {
    throw new MycelError(
      "file_too_large",
      "read file manifest",
      "it lists more chunks than a device takes on",
      {
        value: `${list.count} chunks, most ${MAX_RESOLVED_CHUNKS}`,
      },
    );
  }
  const levels = shape(list.count);
  if (levels.length - 1 > MAX_MANIFEST_LEVEL) throw bad("the chunk count is too large");
  const top = levels.length - 1;
  let slots: NodeSlot[] = [
    {
      hash: list.manifest,
      level: top,
      entries: expected(levels, list.count, top, 0),
      bytes: size,
      index: 0,
    },
  ];
  while (true) {
    const missing: NodeSlot[] = [];
    for (const slot of slots) {
      const known = cache.get(slot.hash);
      if (known !== undefined) {
        fits(known, slot);
        continue;
      }
      const blob = await getBlob(slot.hash);
      if (blob === undefined) missing.push(slot);
      else await checkNode(blob, slot, cache);
    }
    if (missing.length > 0) return { missing };
    const level = slots[0].level;
    if (level === 0) return { chunks: slots.flatMap((s) => cache.get(s.hash)!.entries) };
    const next: NodeSlot[] = [];
    for (const slot of slots) {
      const entries = cache.get(slot.hash)!.entries;
      for (let i = 0; i < entries.length; i++) {
        const index = slot.index * MAX_FANOUT + i;
        next.push({
          hash: entries[i].hash,
          level: level - 1,
          entries: expected(levels, list.count, level - 1, index),
          bytes: entries[i].length,
          index,
        });
      }
    }
    slots = next;
  }
}

/** Entries the node at `index` of `level` must list. */
function expected(levels: readonly number[], count: number, level: number, index: number): number {
  const below = level === 0 ? count : levels[level - 1];
  const per = level === 0 ? MAX_LEAF_CHUNKS : MAX_FANOUT;
  return Math.min(per, below - index * per);
}

/**
 * The chunks of `list` for a file of `size` bytes, fetching manifest blobs
 * through `getBlob` and checking them all (see the module comment).
 * @throws MycelError `manifest_missing` naming a blob `getBlob` lacks (fetch
 * it elsewhere and retry), `file_too_large`, `bad_manifest` for anything
 * inconsistent
 */
export async function resolveChunkList(
  list: ChunkList,
  size: number,
  getBlob: GetBlob,
): Promise<ChunkRef[]> {
  const step = await stepChunkList(list, size, getBlob);
  if ("chunks" in step) return step.chunks;
  throw new MycelError("manifest_missing", "read file manifest", "a manifest blob is missing", {
    value: step.missing[0].hash,
  });
}
