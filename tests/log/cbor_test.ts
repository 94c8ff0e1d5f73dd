/**
 * @module cbor_test
 * mycel's CBOR profile, rule by rule: the exact bytes the encoder writes
 * (those cbor-x wrote before), every non-canonical or out-of-profile form
 * the decoder refuses with its reason, what the encoder refuses, the limits
 * (default and per call), and the strict UTF-8 decoder against the engine's.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { fromHex, toHex } from "../../src/bytes.ts";
import { decodeCbor, DEFAULT_CBOR_LIMITS, encodeCbor } from "../../src/log/cbor.ts";
import { decodeUtf8 } from "../../src/log/cbor_utf8.ts";
import { assertMycelError } from "../helpers/assert.ts";

const hex = (v: unknown) => toHex(encodeCbor(v));

/** Decoding `h` fails with bad_encoding whose message matches `reason`. */
function refused(h: string, reason: RegExp, what = "thing"): void {
  const e = assertMycelError(() => decodeCbor(fromHex(h), what), "bad_encoding", h);
  assert.match(e.message, new RegExp(`^Cannot decode ${what}: `));
  assert.match(e.message, reason, h);
}

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
  assert.equal(hex(new Uint8Array(24)), "5818" + "00".repeat(24));
});

Deno.test("encodeCbor() writes numbers as mycel always has: integers below 2^32, else float64", () => {
  const cases: [number, string][] = [
    [0, "00"],
    [-0, "00"],
    [23, "17"],
    [24, "1818"],
    [255, "18ff"],
    [256, "190100"],
    [65535, "19ffff"],
    [65536, "1a00010000"],
    [2 ** 32 - 1, "1affffffff"],
    [2 ** 32, "fb41f0000000000000"],
    [2 ** 40, "fb4270000000000000"],
    [1_700_000_000_000, "fb4278bcfe56800000"],
    [Number.MAX_SAFE_INTEGER, "fb433fffffffffffff"],
    [-1, "20"],
    [-24, "37"],
    [-25, "3818"],
    [-256, "38ff"],
    [-257, "390100"],
    [-65536, "39ffff"],
    [-65537, "3a00010000"],
    [-(2 ** 31), "3a7fffffff"],
    [-(2 ** 31) - 1, "3a80000000"],
    [-(2 ** 32), "3affffffff"],
    [-(2 ** 32) - 1, "fbc1f0000000100000"],
    [0.5, "fb3fe0000000000000"],
    [-1.5, "fbbff8000000000000"],
    [Number.MIN_VALUE, "fb0000000000000001"],
  ];
  for (const [n, h] of cases) {
    assert.equal(hex(n), h, String(n));
    assert.equal(decodeCbor(fromHex(h), "n"), Object.is(n, -0) ? 0 : n, h);
  }
});

Deno.test("encodeCbor() writes text as UTF-8 with the shortest length head", () => {
  assert.equal(hex(""), "60");
  assert.equal(hex("é"), "62c3a9");
  assert.equal(hex("🙂"), "64f09f9982");
  assert.equal(hex("a".repeat(23)), "77" + "61".repeat(23));
  assert.equal(hex("a".repeat(24)), "7818" + "61".repeat(24));
  // 20 characters but 40 bytes: the head follows the byte length.
  assert.equal(hex("é".repeat(20)), "7828" + "c3a9".repeat(20));
  assert.equal(hex("é".repeat(200)), "790190" + "c3a9".repeat(200));
  assert.equal(hex("\ufeffx"), "64efbbbf78", "a leading BOM is kept");
  assert.equal(decodeCbor(fromHex("64efbbbf78"), "t"), "\ufeffx");
});

Deno.test("encodeCbor() writes maps in Object.keys order, arrays and simple values", () => {
  assert.equal(hex({ b: 1, a: [true, false, null] }), "a26162016161 83f5f4f6".replace(" ", ""));
  assert.equal(hex({ b: 1, 2: 0, 1: 0 }), "a3613100613200616201", "integer-like keys first");
  assert.equal(
    hex(Object.fromEntries([...Array(24)].map((_, i) => [`k${i}`, i]))).slice(0, 4),
    "b818",
  );
  assert.equal(hex(Array(24).fill(0)).slice(0, 4), "9818");
  assert.equal(hex(Object.create(null)), "a0");
});

Deno.test("decodeCbor() decodes maps as plain objects and bytes as views of the input", () => {
  const bytes = encodeCbor({ a: new Uint8Array([7]), b: [1, "x", null] });
  const x = decodeCbor(bytes, "t") as { a: Uint8Array; b: unknown[] };
  assert.equal(Object.getPrototypeOf(x), Object.prototype);
  assert.ok(x.a instanceof Uint8Array);
  assert.deepEqual([...x.a], [7]);
  assert.equal(x.a.buffer, bytes.buffer, "a view, not a copy");
  assert.deepEqual(x.b, [1, "x", null]);
});

Deno.test("decodeCbor() rejects empty input, trailing bytes and truncation, naming where", () => {
  const good = encodeCbor({ a: [1, 2, 3] });
  refused("", /it is truncated \(byte 0 of 0 bytes\)$/);
  refused(toHex(good) + "00", /1 bytes follow the item \(byte 7 of 8 bytes\)$/);
  refused(toHex(good.subarray(0, good.length - 1)), /it is truncated/);
  refused("5a00010000" + "00", /truncated \(65536 bytes declared, 1 left\)/);
});

Deno.test("decodeCbor() refuses every tag, shared references first", () => {
  refused("d81c80", /tag 28 is not allowed \(byte 0 of 3 bytes\)/);
  refused("d81d00", /tag 29 is not allowed/);
  refused("c0", /tag 0 is not allowed/);
  refused("d840420102", /tag 64 is not allowed/);
  refused("d9d9f700", /tag 55799 is not allowed/);
  refused("dadff9000080", /tag 3757637632 is not allowed/);
  refused("db0000000000000001", /^Cannot decode thing: tag is not allowed/);
  refused("8201d81c80", /tag 28 is not allowed \(byte 2 of 5 bytes\)/);
});

Deno.test("decodeCbor() refuses indefinite lengths and stray break codes", () => {
  refused("9f01ff", /indefinite lengths are not allowed/);
  refused("bf616101ff", /indefinite lengths are not allowed/);
  refused("5f4101ff", /indefinite lengths are not allowed/);
  refused("7f6161ff", /indefinite lengths are not allowed/);
  refused("ff", /a break code outside an indefinite-length item/);
});

Deno.test("decodeCbor() refuses heads that are not in their shortest form", () => {
  for (
    const h of [
      "1817",
      "190017",
      "1900ff",
      "1a0000ffff",
      "3817",
      "5801ff",
      "780161",
      "980101",
      "b801616100",
    ]
  ) {
    refused(h, /not in its shortest form/);
  }
  for (const h of ["1b0000000000000001", "1b0000010000000000", "3b0000000000000000"]) {
    refused(h, /64-bit heads are not allowed/);
  }
  refused("1c", /reserved additional information 28/);
});

Deno.test("decodeCbor() refuses floats the encoder would not write", () => {
  refused("fb3ff0000000000000", /the integer 1 is written as a float64/);
  refused("fb8000000000000000", /the integer 0 is written as a float64/);
  refused("fb41efffffffe00000", /the integer 4294967295 is written as a float64/);
  refused("fbc1f0000000000000", /the integer -4294967296 is written as a float64/);
  refused("fb7ff8000000000000", /the float NaN is not allowed/);
  refused("fb7ff0000000000000", /the float Infinity is not allowed/);
  refused("fbfff0000000000000", /the float -Infinity is not allowed/);
  refused("f93c00", /half-precision floats are not allowed/);
  refused("fa3fc00000", /single-precision floats are not allowed/);
  assert.equal(decodeCbor(fromHex("fb41f0000000000000"), "n"), 2 ** 32);
});

Deno.test("decodeCbor() refuses undefined and simple values other than false, true, null", () => {
  refused("f7", /undefined is not allowed/);
  refused("e0", /simple value 0 is not allowed/);
  refused("f3", /simple value 19 is not allowed/);
  refused("f820", /simple values are not allowed/);
  assert.deepEqual(decodeCbor(fromHex("83f4f5f6"), "t"), [false, true, null]);
});

Deno.test("decodeCbor() refuses map keys that are not text, repeated, __proto__ or out of order", () => {
  refused("a10101", /map keys must be text/);
  refused("a1410101", /map keys must be text/);
  refused("a2616101616102", /the map key "a" is repeated/);
  refused("a1695f5f70726f746f5f5f01", /the map key "__proto__" is not allowed/);
  refused("a2616201613100", /map keys are not in the order a JS object keeps/);
  refused("a2613201613100", /map keys are not in the order a JS object keeps/);
  // Keys that only look numeric keep their place, as in JS.
  assert.deepEqual(Object.keys(decodeCbor(fromHex("a261620162303100"), "t") as object), [
    "b",
    "01",
  ]);
  const x = decodeCbor(fromHex("a16b636f6e7374727563746f7201"), "t") as Record<string, unknown>;
  assert.ok(Object.hasOwn(x, "constructor"));
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("decodeCbor() refuses text that is not well-formed UTF-8", () => {
  refused("62c0af", /text is not valid UTF-8/); // overlong "/"
  refused("63eda080", /text is not valid UTF-8/); // a surrogate
  refused("64f4908080", /text is not valid UTF-8/); // above U+10FFFF
  refused("61ff", /text is not valid UTF-8/);
  refused("62e282", /text is not valid UTF-8/); // cut inside a character
  refused("7841" + "61".repeat(64) + "ff", /text is not valid UTF-8/); // the long path
});

Deno.test("decodeCbor() bounds depth, items and size; each limit can be set per call", () => {
  const nested = (n: number) => fromHex("81".repeat(n) + "00");
  assert.ok(decodeCbor(nested(DEFAULT_CBOR_LIMITS.maxDepth), "t"));
  refused("81".repeat(DEFAULT_CBOR_LIMITS.maxDepth + 1) + "00", /nesting deeper than 64/);
  const deepMap = "a16161".repeat(65) + "00";
  refused(deepMap, /nesting deeper than 64/);
  const small = { maxDepth: 2, maxNodes: 4, maxBytes: 8 };
  assert.deepEqual(decodeCbor(fromHex("818100"), "t", small), [[0]]);
  assertMycelError(() => decodeCbor(nested(3), "t", small), "bad_encoding");
  const e = assertMycelError(() => decodeCbor(fromHex("8401020304"), "t", small), "bad_encoding");
  assert.match(e.message, /more than 4 items/);
  const big = assertMycelError(() => decodeCbor(new Uint8Array(9), "t", small), "bad_encoding");
  assert.match(big.message, /larger than 8 bytes/);
  assert.deepEqual(decodeCbor(fromHex("8401020304"), "t", { maxNodes: 5 }), [1, 2, 3, 4]);
  assertMycelError(() => decodeCbor(fromHex("00"), "t", { maxNodes: 0 }), "bad_encoding");
  // A caller cannot lift the depth bound past 512 (the recursion depth), nor break it with NaN.
  for (const maxDepth of [NaN, -1, 1e9]) {
    const e = assertMycelError(
      () => decodeCbor(nested(100_000), "t", { maxDepth }),
      "bad_encoding",
    );
    assert.match(e.message, /nesting deeper than (64|512)/);
  }
  // Map keys count as items.
  assert.deepEqual(decodeCbor(fromHex("a1616100"), "t", { maxNodes: 3 }), { a: 0 });
  assertMycelError(() => decodeCbor(fromHex("a1616100"), "t", { maxNodes: 2 }), "bad_encoding");
  // A huge declared count is refused before anything is allocated.
  refused("9affffffff00", /truncated \(4294967295 items declared\)/);
  refused("baffffffff00", /truncated \(8589934590 items declared\)/);
});

Deno.test("encodeCbor() holds to the limits of the call, as decodeCbor() with the same limits reads", () => {
  const small = { maxDepth: 2, maxNodes: 4, maxBytes: 8 };
  assert.deepEqual(encodeCbor([[0]], small), fromHex("818100"));
  for (
    const [value, reason] of [
      [[[[0]]], /nesting deeper than 2/],
      [[1, 2, 3, 4], /more than 4 items/],
      ["123456789", /would exceed 8 bytes/],
    ] as const
  ) {
    const e = assertMycelError(() => encodeCbor(value, small), "bad_encoding");
    assert.match(e.message, reason);
    assertMycelError(() => decodeCbor(encodeCbor(value), "t", small), "bad_encoding");
  }
  // Wider than the default: what the default refuses is written, and read back with the same limits.
  const wide = { maxBytes: DEFAULT_CBOR_LIMITS.maxBytes * 2 };
  const big = new Uint8Array(DEFAULT_CBOR_LIMITS.maxBytes + 1);
  assertMycelError(() => encodeCbor(big), "bad_encoding");
  const bytes = encodeCbor(big, wide);
  assert.equal((decodeCbor(bytes, "t", wide) as Uint8Array).length, big.length);
  // The limits are the call's: the next call has the defaults again.
  assertMycelError(() => encodeCbor(big), "bad_encoding");
});

Deno.test("encodeCbor() writes a text that fits the byte bound however near it, and refuses one a byte past it", () => {
  const limits = { maxBytes: 1 << 15 };
  // Small texts first: the encoder's buffer, from its first size, doubles to
  // the bound exactly (an encoding over 1 MiB leaves it at its first size).
  const small = Array.from({ length: 300 }, () => "s".repeat(100));
  const room = limits.maxBytes - encodeCbor([...small, ""]).length; // bytes left for the last text
  for (const [last, fits] of [["x", 0], ["\u00e9", 0], ["\u{1F600}", 0], ["x", 1]] as const) {
    const bytes = new TextEncoder().encode(last).length;
    // Its head grows by 2 bytes past 23 bytes (a 3-byte head up to 65535).
    const text = last.repeat(Math.floor((room - 2 + fits) / bytes));
    const value = [...small, text];
    encodeCbor(new Uint8Array((1 << 20) + 1));
    if (fits === 1) {
      const e = assertMycelError(() => encodeCbor(value, limits), "bad_encoding");
      assert.match(e.message, /would exceed 32768 bytes/);
      continue;
    }
    const encoded = encodeCbor(value, limits);
    assert.ok(encoded.length > limits.maxBytes - bytes, `${encoded.length} bytes`);
    assert.deepEqual(decodeCbor(encoded, "t", limits), value);
  }
});

Deno.test("encodeCbor() refuses what the decoder would refuse, with a named bad_encoding", () => {
  const cyclic: unknown[] = [];
  cyclic.push(cyclic);
  const cases: [unknown, RegExp][] = [
    [undefined, /a value of type undefined is not part of the profile/],
    [[1, undefined], /type undefined/],
    [new Array<number>(2).fill(1, 1), /type undefined/],
    [NaN, /the number NaN is not part of the profile/],
    [Infinity, /the number Infinity/],
    [1n, /a value of type bigint/],
    [Symbol("x"), /a value of type symbol/],
    [() => 1, /a value of type function/],
    [new Map(), /a Map object is not part of the profile/],
    [new Date(0), /a Date object/],
    [new Uint16Array(2), /a Uint16Array object/],
    [new ArrayBuffer(2), /an? ArrayBuffer object/],
    ["a\ud800", /lone surrogate/],
    ["x".repeat(80) + "\udc00", /lone surrogate/],
    [JSON.parse('{"__proto__": 1}'), /the map key "__proto__" is not allowed/],
    [cyclic, /nesting deeper than 64/],
  ];
  for (const [value, reason] of cases) {
    const e = assertMycelError(() => encodeCbor(value), "bad_encoding", String(reason));
    assert.match(e.message, /^Cannot encode CBOR: /);
    assert.match(e.message, reason);
  }
  let deep: unknown = 0;
  for (let i = 0; i < DEFAULT_CBOR_LIMITS.maxDepth; i++) deep = [deep];
  assert.ok(decodeCbor(encodeCbor(deep), "t"), "the deepest value allowed is written");
  assertMycelError(() => encodeCbor([deep]), "bad_encoding");
});

Deno.test("the short UTF-8 decoder agrees with the engine's fatal decoder on any bytes", () => {
  const engine = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const tricky = fc.constantFrom(
    0x00,
    0x7f,
    0x80,
    0xbf,
    0xc0,
    0xc1,
    0xc2,
    0xdf,
    0xe0,
    0xed,
    0xef,
    0xf0,
    0xf4,
    0xf5,
    0xff,
    0x9f,
    0xa0,
    0x8f,
    0x90,
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.nat(255), tricky), { maxLength: 70 }), (arr) => {
      const bytes = new Uint8Array(arr);
      let expected: string | undefined;
      try {
        expected = engine.decode(bytes);
      } catch {
        expected = undefined;
      }
      assert.equal(decodeUtf8(bytes, 0, bytes.length), expected, toHex(bytes));
    }),
    { seed: 52, numRuns: 30_000 },
  );
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (s) => {
      const bytes = new TextEncoder().encode(s);
      assert.equal(decodeUtf8(bytes, 0, bytes.length), s);
    }),
    { seed: 53, numRuns: 5_000 },
  );
});
