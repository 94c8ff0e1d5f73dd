/**
 * @module cbor_test
 * The shared CBOR configuration: byte strings stay plain, maps decode to
 * objects, decoding is strict (one item, whole input) and fails only with
 * `bad_encoding`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { assertMycelError } from "../helpers/assert.ts";

Deno.test("encodeCbor() returns a fresh array that owns its whole buffer", () => {
  const a = encodeCbor([1, 2, 3]);
  const b = encodeCbor("x");
  assert.equal(a.byteOffset, 0);
  assert.equal(a.buffer.byteLength, a.length);
  assert.deepEqual([...a], [0x83, 1, 2, 3]);
  assert.deepEqual([...b], [0x61, 0x78]);
  assert.deepEqual([...a], [0x83, 1, 2, 3], "a later encode does not overwrite an earlier result");
});

Deno.test("encodeCbor() writes Uint8Array as a plain byte string (no typed-array tag)", () => {
  assert.deepEqual([...encodeCbor(new Uint8Array([1, 2]))], [0x42, 1, 2]);
});

Deno.test("decodeCbor() decodes maps as plain objects and bytes as Uint8Array", () => {
  const x = decodeCbor(encodeCbor({ a: new Uint8Array([7]), b: [1, "x", null] }), "t") as {
    a: Uint8Array;
    b: unknown[];
  };
  assert.equal(Object.getPrototypeOf(x), Object.prototype);
  assert.ok(x.a instanceof Uint8Array);
  assert.deepEqual([...x.a], [7]);
  assert.deepEqual(x.b, [1, "x", null]);
});

Deno.test("decodeCbor() rejects empty input, trailing bytes and truncation with bad_encoding", () => {
  const good = encodeCbor({ a: [1, 2, 3] });
  for (
    const bytes of [
      new Uint8Array(0),
      new Uint8Array([...good, 0]),
      good.subarray(0, good.length - 1),
      new Uint8Array([0xff]),
    ]
  ) {
    const e = assertMycelError(() => decodeCbor(bytes, "thing"), "bad_encoding");
    assert.match(e.message, /^Cannot decode thing: it is not valid CBOR \(\d+ bytes\)$/);
  }
});

Deno.test("decodeCbor() fuzz: random bytes decode or fail with bad_encoding only", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 48 }), (bytes) => {
      try {
        decodeCbor(bytes, "fuzz");
      } catch (e) {
        assert.ok(isMycelError(e, "bad_encoding"), String(e));
      }
    }),
    { seed: 51, numRuns: 10_000 },
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
