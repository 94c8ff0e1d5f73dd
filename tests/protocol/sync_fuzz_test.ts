/**
 * @module sync_fuzz_test
 * Fuzzing every sync decoder with over 10,000 hostile inputs each: random
 * bytes, random CBOR values, and valid messages that were truncated,
 * bit-flipped, reordered or had a field replaced; plus oversize inputs and
 * CBOR headers that declare absurd lengths. A decoder may only ever throw a
 * MycelError (`bad_message` or `version_mismatch`), and whatever it accepts
 * must survive re-encoding unchanged — it accepts only what we would send.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { MycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import {
  decodeHeads,
  decodeHello,
  decodeHelloReply,
  decodeSyncMessage,
  encodeHeads,
  encodeHello,
  encodeHelloReply,
  encodeSyncMessage,
  type Heads,
  MAX_SYNC_MESSAGE,
} from "../../src/protocol/sync_messages.ts";

const ALLOWED = new Set(["bad_message", "version_mismatch"]);

// deno-lint-ignore no-explicit-any
type Codec = { decode: (b: Uint8Array) => any; encode: (v: any) => Uint8Array };
const CODECS: Record<string, Codec> = {
  heads: { decode: decodeHeads, encode: encodeHeads },
  hello: { decode: decodeHello, encode: encodeHello },
  reply: { decode: decodeHelloReply, encode: encodeHelloReply },
  message: { decode: decodeSyncMessage, encode: encodeSyncMessage },
};

/** Decode hostile bytes: a MycelError of an allowed code, or a value that re-encodes to itself. */
function probe(codec: Codec, bytes: Uint8Array): void {
  let value: unknown;
  try {
    value = codec.decode(bytes);
  } catch (e) {
    if (e instanceof MycelError && ALLOWED.has(e.code)) return;
    throw e;
  }
  assert.deepStrictEqual(codec.decode(codec.encode(value)), value);
}

// Valid wire bytes per codec, built as raw CBOR so shapes stay small and fast.
const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const headRows = fc.uniqueArray(fc.tuple(key, fc.integer({ min: 1 }), key), {
  selector: (r) => deviceIdFromKey(r[0]),
  maxLength: 4,
}).map((rows) => {
  const heads: Heads = new Map(rows.map(([k, seq, hash]) => [deviceIdFromKey(k), { seq, hash }]));
  return decodeCbor(encodeHeads(heads), "heads") as unknown[];
});
const entryList = (min: number, max: number) =>
  fc.array(fc.uint8Array({ minLength: 1, maxLength: 24 }), { minLength: min, maxLength: max });
const mesh = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
const code = fc.stringMatching(/^[a-z_]{1,12}$/);
const text = fc.string({ maxLength: 30 });
const VALID: Record<string, fc.Arbitrary<unknown>> = {
  heads: headRows,
  hello: fc.tuple(fc.constant(1), mesh, key, headRows, entryList(0, 3)),
  reply: fc.oneof(
    fc.tuple(fc.constant(true), fc.constant(1), mesh, key, headRows),
    fc.tuple(fc.constant(false), code, text),
  ),
  message: fc.oneof(
    fc.tuple(fc.constant("entries"), entryList(1, 4)),
    fc.tuple(fc.constant("done"), fc.nat()),
    fc.tuple(fc.constant("error"), code, text),
  ),
};

// Any CBOR-ish value, biased toward the kinds of fields the messages hold.
// (undefined, NaN and Infinity are outside the CBOR profile, so the encoder
// refuses them; their byte forms are fuzzed in tests/log/cbor_fuzz_test.ts.)
const { value: cborValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.integer(),
      fc.constantFrom(0, 1, 2, -1, 2 ** 53, 1.5, -1e300, 2 ** 64),
      fc.boolean(),
      fc.constant(null),
      fc.string({ maxLength: 8 }),
      fc.constantFrom("entries", "done", "error", "", "\x1b"),
      fc.uint8Array({ maxLength: 40 }),
      key,
    ),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 3 }),
  ),
}));

// Small deterministic shuffle so a failing seed reproduces.
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

// Apply `f` to the top-level array, or to its `index`-th item when that is an array.
function atDepth(
  raw: unknown,
  index: number,
  deep: boolean,
  f: (a: unknown[]) => unknown,
): unknown {
  const top = raw as unknown[];
  const i = index % Math.max(1, top.length);
  if (deep && Array.isArray(top[i])) return top.map((v, k) => (k === i ? f(v as unknown[]) : v));
  return f(top);
}

for (const [name, codec] of Object.entries(CODECS)) {
  const valid = VALID[name];
  const validBytes = valid.map((v) => encodeCbor(v));

  Deno.test(`fuzz ${name}: 11,000 random, truncated, flipped, reordered and mutated inputs`, () => {
    const run = (arb: fc.Arbitrary<Uint8Array>, numRuns: number) =>
      fc.assert(fc.property(arb, (b) => probe(codec, b)), { numRuns });
    run(fc.uint8Array({ maxLength: 200 }), 2500);
    run(cborValue.map((v) => encodeCbor(v)), 2500);
    run(
      fc.tuple(validBytes, fc.nat()).map(([b, cut]) => b.subarray(0, cut % b.length)),
      1500,
    );
    run(
      fc.tuple(validBytes, fc.array(fc.nat(), { minLength: 1, maxLength: 3 })).map(([b, bits]) => {
        const out = b.slice();
        for (const bit of bits) out[(bit >> 3) % out.length] ^= 1 << (bit & 7);
        return out;
      }),
      2000,
    );
    run(
      fc.tuple(valid, fc.nat(), fc.nat(), fc.boolean()).map(([v, at, seed, deep]) =>
        encodeCbor(atDepth(v, at, deep, (a) => shuffled(a, seed)))
      ),
      1000,
    );
    run(
      fc.tuple(valid, fc.nat(), fc.nat(), fc.boolean(), cborValue).map(([v, at, i, deep, x]) =>
        encodeCbor(atDepth(v, at, deep, (a) => a.map((y, k) => (k === i % a.length ? x : y))))
      ),
      1500,
    );
  });

  Deno.test(`fuzz ${name}: oversize inputs and absurd declared lengths are bad_message`, () => {
    const hostile = [
      new Uint8Array(MAX_SYNC_MESSAGE + 1),
      new Uint8Array(100_000).fill(0x81), // 100k nested arrays: no stack overflow escapes
      Uint8Array.of(0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // array of 2^64-1
      Uint8Array.of(0x5b, 0, 0, 0, 1, 0, 0, 0, 0), // byte string of 2^32 bytes
      Uint8Array.of(
        0x82,
        0x67,
        ...new TextEncoder().encode("entries"),
        0x9a,
        0xff,
        0xff,
        0xff,
        0xff,
      ),
      Uint8Array.of(0xbf, 0x61, 0x61), // unterminated indefinite map
    ];
    for (const bytes of hostile) {
      let error: unknown;
      try {
        codec.decode(bytes);
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof MycelError, `${bytes.length} bytes: ${error}`);
      assert.equal(error.code, "bad_message");
    }
  });
}
