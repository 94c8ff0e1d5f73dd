/**
 * @module manifest_resolve_test
 * Reading a manifest tree is bounded (found by a review: a member's version
 * claiming 4096³ chunks under three repeated blobs ran every device that
 * read it out of memory): a list past MAX_RESOLVED_CHUNKS is refused before
 * a blob is read, a repeated node is read once, and a level's missing blobs
 * are named together, each with what it must be.
 */

import assert from "node:assert/strict";
import { blake3Hex } from "../../src/files/chunk_hash.ts";
import { type ChunkRef, MAX_LEAF_CHUNKS } from "../../src/log/chunk_list.ts";
import { encodeManifestNode } from "../../src/files/manifest_codec.ts";
import {
  checkNode,
  MAX_RESOLVED_CHUNKS,
  type NodeCache,
  stepChunkList,
} from "../../src/files/manifest_resolve.ts";
import { makeChunkList } from "../../src/files/manifest_tree.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";

function refs(n: number): ChunkRef[] {
  return Array.from({ length: n }, (_, i) => ({
    hash: (i.toString(16).padStart(8, "0")).repeat(8),
    length: 1000 + (i % 7),
  }));
}
const total = (c: readonly ChunkRef[]) => c.reduce((s, x) => s + x.length, 0);

Deno.test("a list of more chunks than a device takes on is refused before any blob is read", async () => {
  let asked = 0;
  const count = MAX_RESOLVED_CHUNKS + 1;
  await assertRejectsMycel(
    () =>
      stepChunkList({ manifest: "ab".repeat(32), count }, count * 64, () => {
        asked++;
        return undefined;
      }),
    "file_too_large",
  );
  assert.equal(asked, 0);
});

Deno.test("a tree of one repeated leaf is read once, and resolves to the full count", async () => {
  const leaf = encodeManifestNode({
    level: 0,
    entries: Array.from({ length: MAX_LEAF_CHUNKS }, () => ({ hash: "cd".repeat(32), length: 64 })),
  });
  const leafId = await blake3Hex(leaf);
  const leaves = 64;
  const root = encodeManifestNode({
    level: 1,
    entries: Array.from({ length: leaves }, () => ({ hash: leafId, length: 64 * MAX_LEAF_CHUNKS })),
  });
  const rootId = await blake3Hex(root);
  const blobs = new Map([[leafId, leaf], [rootId, root]]);
  let reads = 0;
  const count = leaves * MAX_LEAF_CHUNKS;
  const step = await stepChunkList({ manifest: rootId, count }, count * 64, (h) => {
    reads++;
    return blobs.get(h);
  });
  assert.ok("chunks" in step);
  assert.equal(step.chunks.length, count);
  assert.equal(reads, 2, "each distinct blob is read once");
});

Deno.test("a level's missing blobs are named together, each with what it must be", async () => {
  const chunks = refs(3 * MAX_LEAF_CHUNKS + 2);
  const { list, blobs } = await makeChunkList(chunks);
  const root = blobs[blobs.length - 1];
  const cache: NodeCache = new Map();
  const step = await stepChunkList(
    list,
    total(chunks),
    (h) => h === root.hash ? root.bytes : undefined,
    cache,
  );
  assert.ok("missing" in step);
  assert.deepEqual(step.missing.map((s) => s.hash), blobs.slice(0, 4).map((b) => b.hash));
  assert.deepEqual(step.missing.map((s) => s.entries), [4096, 4096, 4096, 2]);
  // A blob is checked against its place before it is kept: leaf 0 does not fit leaf 3's.
  await assertRejectsMycel(() => checkNode(blobs[0].bytes, step.missing[3], cache), "bad_manifest");
  for (let i = 0; i < 4; i++) await checkNode(blobs[i].bytes, step.missing[i], cache);
  const done = await stepChunkList(list, total(chunks), () => undefined, cache);
  assert.ok("chunks" in done);
  assert.deepEqual(done.chunks, chunks);
});
