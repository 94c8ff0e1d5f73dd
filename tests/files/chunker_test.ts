/**
 * @module chunker_test
 * FastCDC 2020 chunking: the reference vectors (six parameter sets over
 * SekienAkashita.jpg, cut points and gear hashes, BLAKE3 of the 16k chunks),
 * agreement with a plain BigInt reference on random input, independence
 * from how input is split into reads, and the per-mesh seed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { checkChunkParams, type ChunkParams } from "../../src/files/chunk_params.ts";
import { Chunker, type OnChunk } from "../../src/files/chunker.ts";
import { chunkBytes, ContentChunker } from "../../src/files/content_chunker.ts";
import { MASKS } from "../../src/files/gear_masks.ts";
import { unseededGear } from "../../src/files/gear_table.ts";
import { gearSeedFromSecret } from "../../src/files/gear_seed.ts";
import { assembleGearWasm } from "../../src/files/gear_wasm_asm.ts";
import { wasmModuleSources } from "../../src/files/wasm_gen.ts";
import { GEAR_WASM_BASE64 } from "../../src/files/gear_wasm_bytes.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { referenceChunks } from "./fastcdc_reference.ts";

const DIR = new URL("../vectors/fastcdc-v2020/", import.meta.url);

interface VectorCase {
  name: string;
  min: number;
  avg: number;
  max: number;
  normalization: 0 | 1 | 2 | 3;
  seed: number;
  chunks: { gear_hash: string; length: number }[];
}

const vectors = JSON.parse(await Deno.readTextFile(new URL("vectors.json", DIR))) as {
  gear: string[];
  masks: string[];
  cases: VectorCase[];
  blake3_16k: string[];
};
const image = await Deno.readFile(new URL("SekienAkashita.jpg", DIR));

/** Cut `data` fed in the given piece sizes; returns [length, gear hash] per chunk. */
function cutInPieces(data: Uint8Array, p: ChunkParams, seed: bigint, pieces?: number[]) {
  const c = new Chunker(p, seed);
  const got: [number, bigint][] = [];
  let expectOffset = 0;
  const on: OnChunk = (bytes, offset) => {
    assert.equal(offset, expectOffset, "chunks are contiguous");
    expectOffset += bytes.length;
    got.push([bytes.length, c.lastGearHash()]);
  };
  if (pieces === undefined) {
    c.push(data, on);
  } else {
    let at = 0;
    for (let i = 0; at < data.length; i++) {
      const n = Math.min(pieces[i % pieces.length] || 1, data.length - at);
      if (i % 2 === 0) {
        c.push(data.subarray(at, at + n), on);
      } else {
        // The direct-read path: fill space() in parts, commit each.
        let left = n;
        while (left > 0) {
          const room = c.space();
          const k = Math.min(left, room.length);
          room.set(data.subarray(at + n - left, at + n - left + k));
          c.commit(k, on);
          left -= k;
        }
      }
      at += n;
    }
  }
  c.finish(on);
  return got;
}

const SMALL: ChunkParams = { min: 64, avg: 256, max: 1024, normalization: 1 };

Deno.test("GEAR (from MD5) and MASKS equal the reference tables in the vectors", () => {
  assert.deepEqual([...unseededGear()].map(String), vectors.gear);
  assert.deepEqual(MASKS.map(String), vectors.masks);
});

for (const v of vectors.cases) {
  Deno.test(`chunker reproduces the reference cut points and gear hashes: ${v.name}`, () => {
    const p: ChunkParams = { min: v.min, avg: v.avg, max: v.max, normalization: v.normalization };
    const got = cutInPieces(image, p, BigInt(v.seed));
    assert.deepEqual(
      got.map(([length, hash]) => ({ length, gear_hash: String(hash) })),
      v.chunks.map((c) => ({ length: c.length, gear_hash: c.gear_hash })),
    );
  });
}

Deno.test("chunk ids of the 4096/16384/65535 case are the reference BLAKE3 digests", async () => {
  const refs = await chunkBytes(image, { min: 4096, avg: 16384, max: 65535, normalization: 1 }, 0n);
  assert.deepEqual(refs.map((r) => r.hash), vectors.blake3_16k);
  assert.deepEqual(refs.map((r) => r.length), vectors.cases[0].chunks.map((c) => c.length));
});

Deno.test("every embedded wasm module is exactly what the committed generator writes", async () => {
  assert.equal(assembleGearWasm().toBase64(), GEAR_WASM_BASE64);
  const sources = wasmModuleSources();
  assert.deepEqual(sources.map((s) => s.file), ["gear_wasm_bytes.ts", "blake3_wasm_bytes.ts"]);
  for (const { file, text } of sources) {
    assert.equal(
      await Deno.readTextFile(new URL(`../../src/files/${file}`, import.meta.url)),
      text,
    );
    const base64 = text.match(/"([A-Za-z0-9+/=]+)"/)![1];
    assert.ok(WebAssembly.validate(Uint8Array.fromBase64(base64)), file);
  }
});

Deno.test("property: the wasm cutter agrees with the plain BigInt reference", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 6000 }),
      fc.constantFrom<ChunkParams>(
        SMALL,
        { min: 64, avg: 256, max: 1024, normalization: 0 },
        { min: 128, avg: 512, max: 2048, normalization: 3 },
        { min: 65, avg: 300, max: 1025, normalization: 2 },
      ),
      fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      (data, p, seed) => {
        const ref = referenceChunks(data, p, seed);
        const got = cutInPieces(data, p, seed);
        assert.deepEqual(got, ref.map((c) => [c.length, c.gearHash]));
      },
    ),
    { numRuns: 150 },
  );
});

Deno.test("property: the same content gets the same cuts however it is split into reads", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 20000 }),
      fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
      (data, pieces) => {
        assert.deepEqual(cutInPieces(data, SMALL, 7n, pieces), cutInPieces(data, SMALL, 7n));
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("chunks of long input stay within [min, max] except the last, and cover it exactly", () => {
  const data = new Uint8Array(3 << 20);
  crypto.getRandomValues(data.subarray(0, 65536));
  for (let i = 65536; i < data.length; i += 65536) data.copyWithin(i, 0, 65536);
  data.fill(0, 1 << 20, 2 << 20); // a run of zeros forces max-length chunks
  const p: ChunkParams = { min: 4096, avg: 16384, max: 65536, normalization: 1 };
  const got = cutInPieces(data, p, 99n, [70000, 3, 1 << 20]);
  assert.equal(got.reduce((s, [n]) => s + n, 0), data.length);
  for (const [n] of got.slice(0, -1)) assert.ok(n >= p.min && n <= p.max, `chunk of ${n}`);
  assert.ok(got.some(([n]) => n === p.max), "zeros give max-length chunks");
});

Deno.test("an empty stream has no chunks; a short one is one chunk", async () => {
  assert.deepEqual(await chunkBytes(new Uint8Array(0), SMALL, 0n), []);
  const refs = await chunkBytes(new Uint8Array([1, 2, 3]), SMALL, 0n);
  assert.equal(refs.length, 1);
  assert.equal(refs[0].length, 3);
});

Deno.test("a different seed moves the cut points; the same seed repeats them", () => {
  const data = new Uint8Array(1 << 20);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  const p: ChunkParams = { min: 2048, avg: 8192, max: 32768, normalization: 1 };
  const cuts = (seed: bigint) => cutInPieces(data, p, seed).map(([n]) => n).join();
  const seeds = [0n, 1n, 666n, gearSeedFromSecret(new Uint8Array(32).fill(1))];
  const all = seeds.map(cuts);
  assert.equal(new Set(all).size, seeds.length, "every seed cuts differently");
  assert.equal(cuts(666n), all[2]);
});

Deno.test("gearSeedFromSecret() is deterministic, secret-dependent, and refuses short secrets", () => {
  const a = gearSeedFromSecret(new Uint8Array(32).fill(7));
  assert.equal(gearSeedFromSecret(new Uint8Array(32).fill(7)), a);
  assert.notEqual(gearSeedFromSecret(new Uint8Array(32).fill(8)), a);
  assert.ok(a >= 0n && a < 1n << 64n);
  const e = assertMycelError(() => gearSeedFromSecret(new Uint8Array(15)), "bad_gear_secret");
  assert.match(e.message, /15 bytes/);
});

Deno.test("checkChunkParams() refuses sizes outside the reference limits", () => {
  const ok: ChunkParams = { min: 4096, avg: 16384, max: 65536, normalization: 1 };
  assert.equal(checkChunkParams(ok), ok);
  for (
    const bad of [
      { ...ok, min: 63 },
      { ...ok, avg: 255 },
      { ...ok, max: 16 * 1024 * 1024 + 1 },
      { ...ok, min: 20000 },
      { ...ok, max: 8192 },
      { ...ok, min: 4096.5 },
      { ...ok, normalization: 4 as 1 },
    ]
  ) {
    assertMycelError(() => new Chunker(bad, 0n), "bad_chunk_params", JSON.stringify(bad));
  }
});

Deno.test("ContentChunker hands each chunk's bytes, ref and offset to the sink", async () => {
  const data = image;
  const seen: { offset: number; hash: string; copy: Uint8Array }[] = [];
  const c = await ContentChunker.create(
    { min: 4096, avg: 16384, max: 65535, normalization: 1 },
    0n,
    (ref, bytes, offset) => seen.push({ offset, hash: ref.hash, copy: bytes.slice() }),
  );
  c.push(data);
  const refs = c.finish();
  assert.deepEqual(seen.map((s) => s.hash), vectors.blake3_16k);
  for (const s of seen) {
    assert.deepEqual(s.copy, data.subarray(s.offset, s.offset + s.copy.length));
  }
  assert.equal(refs.length, seen.length);
  assert.throws(() => c.push(new Uint8Array(1)), /after finish/);
});
