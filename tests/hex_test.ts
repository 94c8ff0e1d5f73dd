/**
 * @module hex_test
 * `toHex` (src/bytes.ts), now the runtime's own encoder where it has one:
 * the same lower-case text as a byte-by-byte encoding, of a view's bytes
 * only, and read back by `fromHex`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex, toHex } from "../src/bytes.ts";

const byByte = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("toHex writes every byte as two lower-case digits, and fromHex reads it back", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
    assert.equal(toHex(b), byByte(b));
    assert.deepEqual(fromHex(toHex(b)), b);
  }));
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.equal(toHex(all), byByte(all));
});

Deno.test("toHex of a view encodes the view's bytes, not its whole buffer", () => {
  const buf = Uint8Array.from({ length: 64 }, (_, i) => i * 3);
  const view = buf.subarray(10, 42);
  assert.equal(toHex(view), byByte(buf.slice(10, 42)));
  assert.equal(toHex(view).length, 64);
});
