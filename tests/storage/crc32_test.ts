/**
 * @module crc32_test
 * CRC-32 (IEEE 802.3 / zlib): published check values, agreement with zlib's
 * implementation on random input, and detection of every single-bit error.
 */

import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import fc from "fast-check";
import { utf8 } from "../../src/bytes.ts";
import { crc32 } from "../../src/storage/crc32.ts";

Deno.test("crc32() matches the published check values", () => {
  const vectors: [string, number][] = [
    ["", 0x00000000],
    ["a", 0xe8b7be43],
    ["abc", 0x352441c2],
    ["123456789", 0xcbf43926], // the CRC catalogue's "check" value
    ["message digest", 0x20159d7f],
    ["The quick brown fox jumps over the lazy dog", 0x414fa339],
  ];
  for (const [text, want] of vectors) assert.equal(crc32(utf8(text)), want, text);
});

Deno.test("crc32() is unsigned 32-bit and agrees with node:zlib on random input", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const c = crc32(bytes);
      assert.ok(Number.isInteger(c) && c >= 0 && c <= 0xffffffff);
      assert.equal(c, zlib.crc32(bytes));
    }),
    { seed: 71, numRuns: 1000 },
  );
});

Deno.test("crc32() respects subarray views (offset and length)", () => {
  const big = utf8("xx123456789yy");
  assert.equal(crc32(big.subarray(2, 11)), 0xcbf43926);
});

Deno.test("crc32() detects every single-bit error in a record-sized payload", () => {
  const payload = new Uint8Array(200).map((_, i) => (i * 31 + 7) & 0xff);
  const good = crc32(payload);
  for (let i = 0; i < payload.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      payload[i] ^= 1 << bit;
      assert.notEqual(crc32(payload), good, `byte ${i} bit ${bit}`);
      payload[i] ^= 1 << bit;
    }
  }
});
