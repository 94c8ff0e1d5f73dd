/**
 * @module manifest_test
 * Chunk lists: inline up to 8 chunks, else a content-addressed tree of
 * manifest blobs whose shape follows from the chunk count; resolving checks
 * ids, shape, sizes; the blob codec is strict and fuzzed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { blake3Hex } from "../../src/files/chunk_hash.ts";
import { type ChunkList, type ChunkRef, MAX_LEAF_CHUNKS } from "../../src/log/chunk_list.ts";
import {
  decodeManifestNode,
  encodeManifestNode,
  type ManifestNode,
  MAX_MANIFEST_BLOB_BYTES,
} from "../../src/files/manifest_codec.ts";
import {
  makeChunkList,
  type ManifestBlob,
  resolveChunkList,
} from "../../src/files/manifest_tree.ts";
import { assertBytes, assertMycelError, assertRejectsMycel } from "../helpers/assert.ts";

function refs(n: number): ChunkRef[] {
  return Array.from({ length: n }, (_, i) => ({
    hash: (i.toString(16).padStart(8, "0")).repeat(8),
    length: 1000 + (i % 7),
  }));
}

const total = (c: readonly ChunkRef[]) => c.reduce((s, x) => s + x.length, 0);
const store = (blobs: ManifestBlob[]) => {
  const m = new Map(blobs.map((b) => [b.hash, b.bytes]));
  return (h: string) => m.get(h);
};

Deno.test("up to 8 chunks stay inline; 9 make one leaf blob", async () => {
  const eight = await makeChunkList(refs(8));
  assert.deepEqual(eight, { list: { inline: refs(8) }, blobs: [] });
  const nine = await makeChunkList(refs(9));
  assert.equal(nine.blobs.length, 1);
  assert.deepEqual(nine.list, { manifest: nine.blobs[0].hash, count: 9 });
  assert.equal(await blake3Hex(nine.blobs[0].bytes), nine.blobs[0].hash);
});

Deno.test("a long list becomes full leaves under a root, and resolves back exactly", async () => {
  const chunks = refs(2 * MAX_LEAF_CHUNKS + 5);
  const { list, blobs } = await makeChunkList(chunks);
  assert.equal(blobs.length, 4, "three leaves and a root");
  assert.ok(blobs.every((b) => b.bytes.length <= MAX_MANIFEST_BLOB_BYTES));
  const root = decodeManifestNode(blobs[3].bytes);
  assert.equal(root.level, 1);
  assert.deepEqual(root.entries.map((e) => e.hash), blobs.slice(0, 3).map((b) => b.hash));
  assert.deepEqual(await resolveChunkList(list, total(chunks), store(blobs)), chunks);
});

Deno.test("resolving names a missing blob so the caller can fetch it", async () => {
  const chunks = refs(MAX_LEAF_CHUNKS + 1);
  const { list, blobs } = await makeChunkList(chunks);
  const e = await assertRejectsMycel(
    () => resolveChunkList(list, total(chunks), store(blobs.slice(1))),
    "manifest_missing",
  );
  assert.equal(e.value, blobs[0].hash);
});

Deno.test("resolving refuses a blob that is not what its id says", async () => {
  const chunks = refs(20);
  const { list } = await makeChunkList(chunks);
  const other = (await makeChunkList(refs(21))).blobs[0].bytes;
  await assertRejectsMycel(
    () => resolveChunkList(list, total(chunks), () => other),
    "bad_manifest",
  );
});

Deno.test("resolving refuses a wrong size, a wrong count and a tree of the wrong shape", async () => {
  const chunks = refs(30);
  const { list, blobs } = await makeChunkList(chunks);
  const get = store(blobs);
  const m = list as { manifest: string; count: number };
  await assertRejectsMycel(() => resolveChunkList(list, total(chunks) + 1, get), "bad_manifest");
  await assertRejectsMycel(
    () => resolveChunkList({ manifest: m.manifest, count: 31 }, total(chunks), get),
    "bad_manifest",
  );
  // Two half-full leaves under a root: valid blobs, but not the canonical shape for 30.
  const leaves = [chunks.slice(0, 15), chunks.slice(15)].map((e) =>
    encodeManifestNode({ level: 0, entries: e })
  );
  const ids = await Promise.all(leaves.map(blake3Hex));
  const rootBytes = encodeManifestNode({
    level: 1,
    entries: ids.map((hash, i) => ({
      hash,
      length: total(i === 0 ? chunks.slice(0, 15) : chunks.slice(15)),
    })),
  });
  const rootId = await blake3Hex(rootBytes);
  const forged = new Map([[rootId, rootBytes], [ids[0], leaves[0]], [ids[1], leaves[1]]]);
  await assertRejectsMycel(
    () => resolveChunkList({ manifest: rootId, count: 30 }, total(chunks), (h) => forged.get(h)),
    "bad_manifest",
  );
});

Deno.test("inline lists must add up to the size", async () => {
  const list: ChunkList = { inline: refs(3) };
  assert.deepEqual(await resolveChunkList(list, total(refs(3)), () => undefined), refs(3));
  await assertRejectsMycel(() => resolveChunkList(list, 5, () => undefined), "bad_manifest");
});

const arbNode: fc.Arbitrary<ManifestNode> = fc.record({
  level: fc.integer({ min: 0, max: 2 }),
  entries: fc.array(
    fc.record({
      hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => b.toHex()),
      length: fc.integer({ min: 1, max: 16 << 20 }),
    }, { noNullPrototype: true }),
    { minLength: 1, maxLength: 20 },
  ),
}, { noNullPrototype: true });

Deno.test("property: manifest nodes round-trip byte for byte", () => {
  fc.assert(
    fc.property(arbNode, (node) => {
      const bytes = encodeManifestNode(node);
      const back = decodeManifestNode(bytes);
      assert.deepEqual(back, node);
      assertBytes(encodeManifestNode(back), bytes);
    }),
  );
});

Deno.test("fuzz: mutated manifest blobs are refused with bad_manifest or re-encode identically", () => {
  fc.assert(
    fc.property(
      arbNode,
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      fc.boolean(),
      (n, at, b, ins) => {
        const bytes = [...encodeManifestNode(n)];
        const i = at % bytes.length;
        if (ins) bytes.splice(i, 0, b);
        else bytes[i] = b;
        const input = new Uint8Array(bytes);
        try {
          const back = decodeManifestNode(input);
          assertBytes(encodeManifestNode(back), input);
        } catch (e) {
          assert.ok(isMycelError(e, "bad_manifest"), String(e));
        }
      },
    ),
    { numRuns: 1500 },
  );
});

Deno.test("the manifest encoder refuses what the decoder refuses", () => {
  const ok = { hash: "11".repeat(32), length: 5 };
  for (
    const node of [
      { level: 0, entries: [] },
      { level: 3, entries: [ok] },
      { level: -1, entries: [ok] },
      { level: 0, entries: [{ ...ok, length: 0 }] },
      { level: 0, entries: [{ ...ok, length: (16 << 20) + 1 }] },
      { level: 0, entries: [{ ...ok, hash: "xyz" }] },
      { level: 0, entries: Array.from({ length: MAX_LEAF_CHUNKS + 1 }, () => ok) },
    ]
  ) {
    assertMycelError(
      () => encodeManifestNode(node),
      "bad_manifest",
      JSON.stringify(node).slice(0, 80),
    );
  }
  assertMycelError(
    () => decodeManifestNode(new Uint8Array(MAX_MANIFEST_BLOB_BYTES + 1)),
    "bad_manifest",
  );
});
