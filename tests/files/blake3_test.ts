/**
 * @module blake3_test
 * mycel's BLAKE3 (four-lane SIMD wasm, src/files/blake3.ts) against the
 * official test vectors and, differentially, against hash-wasm's scalar
 * build: chunk and block edges, segment edges (the CV stack), reuse of one
 * hasher, and views into larger buffers.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { createBLAKE3 } from "hash-wasm";
import { Blake3Hasher } from "../../src/files/blake3.ts";
import { blake3Hex } from "../../src/files/chunk_hash.ts";

interface Vectors {
  cases: { input_len: number; hash: string }[];
}
const vectors: Vectors = JSON.parse(
  await Deno.readTextFile(new URL("../vectors/blake3/hash.json", import.meta.url)),
);
const reference = await createBLAKE3(256);
function referenceHex(bytes: Uint8Array): string {
  reference.init();
  reference.update(bytes);
  return reference.digest("hex");
}
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = i % 251;
  return bytes;
}
const hasher = new Blake3Hasher();
const MiB = 1 << 20;

Deno.test("the official BLAKE3 test vectors hash to their published digests", async () => {
  assert.equal(vectors.cases.length, 22);
  for (const { input_len, hash } of vectors.cases) {
    assert.equal(hasher.hex(pattern(input_len)), hash, `input_len ${input_len}`);
    assert.equal(await blake3Hex(pattern(input_len)), hash, `blake3Hex, input_len ${input_len}`);
  }
});

Deno.test("every length around block, chunk and four-chunk edges agrees with hash-wasm", () => {
  const lengths = new Set<number>();
  for (let n = 0; n <= 5 * 1024; n += 64) {
    [n - 1, n, n + 1].forEach((x) => x >= 0 && lengths.add(x));
  }
  for (const n of lengths) {
    const bytes = crypto.getRandomValues(new Uint8Array(n));
    assert.equal(hasher.hex(bytes), referenceHex(bytes), `length ${n}`);
  }
});

Deno.test("inputs of several 1 MiB segments (the chaining-value stack) agree with hash-wasm", () => {
  const big = crypto.getRandomValues(new Uint8Array(65536));
  const data = new Uint8Array(9 * MiB + 2048);
  for (let at = 0; at < data.length; at += big.length) {
    data.set(big.subarray(0, data.length - at), at);
  }
  for (const segments of [1, 2, 3, 4, 5, 8]) {
    for (const delta of [-1025, -1, 0, 1, 1025]) {
      const n = segments * MiB + delta;
      const bytes = data.subarray(7, 7 + n);
      assert.equal(
        hasher.hex(bytes),
        referenceHex(bytes),
        `${segments} MiB ${delta >= 0 ? "+" : ""}${delta}`,
      );
    }
  }
});

Deno.test("property: any bytes hash as hash-wasm hashes them, whatever was hashed before", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 20_000 }),
      fc.nat({ max: 64 }),
      (bytes, start) => {
        const view = new Uint8Array(start + bytes.length);
        view.set(bytes, start);
        const expected = referenceHex(bytes);
        return hasher.hex(view.subarray(start)) === expected && hasher.hex(bytes) === expected;
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a digest is a copy: hashing again does not change an earlier result", () => {
  const first = hasher.digest(pattern(3000));
  const copy = first.slice();
  hasher.digest(pattern(5000));
  assert.deepEqual(first, copy);
});

Deno.test("an empty input after a longer one hashes as empty (no stale bytes are read)", () => {
  const empty = vectors.cases.find((c) => c.input_len === 0)!.hash;
  hasher.hex(crypto.getRandomValues(new Uint8Array(70)));
  assert.equal(hasher.hex(new Uint8Array(0)), empty);
});

Deno.test("without wasm SIMD (V8 on a CPU without SSE4.1) chunk ids come from the scalar build, the same", async () => {
  const expected = vectors.cases.find((c) => c.input_len === 1025)!.hash;
  const child = new URL("./blake3_child.ts", import.meta.url).pathname;
  for (const [flags, simd] of [[[], true], [["--v8-flags=--no-enable-sse4-1"], false]] as const) {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...flags, child],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(o.success, new TextDecoder().decode(o.stderr));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(o.stdout)), { simd, hash: expected });
  }
});
