/**
 * @module sync_fuzz_test
 * Fuzzing the three decoders of bytes a peer sends — `decodeSyncMessage`,
 * `decodeHello`, `decodeHelloReply` — with 15,000 hostile inputs each: random
 * bytes; random CBOR values; valid payloads bit-flipped, truncated, extended,
 * spliced, with a field replaced or the fields reordered; valid payloads
 * re-encoded with non-canonical CBOR (longer heads, indefinite lengths,
 * floats for integers); plus oversize inputs and absurd declared lengths.
 * Each input must give a `bad_message` or `version_mismatch` MycelError, or
 * a value that re-encodes to exactly the input bytes.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, toHex, utf8 } from "../../src/bytes.ts";
import { MycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { MAX_SYNC_MESSAGE } from "../../src/protocol/sync_fields.ts";
import {
  decodeHello,
  decodeHelloReply,
  encodeHello,
  encodeHelloReply,
} from "../../src/protocol/sync_hello.ts";
import { decodeSyncMessage, encodeSyncMessage } from "../../src/protocol/sync_messages.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { helloArb, replyArb, syncMessageArb } from "./sync_arbs.ts";

const ALLOWED = new Set(["bad_message", "version_mismatch"]);

interface Codec {
  decode(bytes: Uint8Array): unknown;
  encode(value: unknown): Uint8Array;
  valid: fc.Arbitrary<Uint8Array>;
}

const CODECS: Record<string, Codec> = {
  message: {
    decode: (b) => decodeSyncMessage(b),
    encode: (v) => encodeSyncMessage(v as Parameters<typeof encodeSyncMessage>[0]),
    valid: syncMessageArb.map(encodeSyncMessage),
  },
  hello: {
    decode: decodeHello,
    encode: (v) => encodeHello(v as Parameters<typeof encodeHello>[0]),
    valid: helloArb.map(encodeHello),
  },
  reply: {
    decode: decodeHelloReply,
    encode: (v) => encodeHelloReply(v as Parameters<typeof encodeHelloReply>[0]),
    valid: replyArb.map(encodeHelloReply),
  },
};

/** Decode hostile bytes: an allowed MycelError, or a value that re-encodes to exactly `bytes`. */
function probe(codec: Codec, bytes: Uint8Array, stats: { accepted: number }): void {
  const input = bytes.slice(); // the decoder must not depend on the caller keeping its buffer
  let value: unknown;
  try {
    value = codec.decode(input);
  } catch (e) {
    if (e instanceof MycelError && ALLOWED.has(e.code)) return;
    throw e;
  }
  stats.accepted++;
  assert.equal(
    toHex(codec.encode(value)),
    toHex(bytes),
    "an accepted input must re-encode to itself",
  );
}

// ---------------------------------------------------------------------------
// A small CBOR writer that may choose non-canonical forms

type Choice = () => number;

function head(major: number, n: number, pick: Choice): number[] {
  // Minimal form, or (when `pick` says so and the value fits) a longer one.
  const forms: number[][] = [];
  if (n < 24) forms.push([major << 5 | n]);
  if (n < 0x100) forms.push([major << 5 | 24, n]);
  if (n < 0x10000) forms.push([major << 5 | 25, n >> 8, n & 255]);
  if (n < 2 ** 32) {
    forms.push([major << 5 | 26, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  }
  return forms[
    pick() < 0.75 ? 0 : Math.min(forms.length - 1, 1 + Math.floor(pick() * forms.length))
  ];
}

function writeCbor(x: unknown, pick: Choice): number[] {
  if (x === false) return [0xf4];
  if (x === true) return [0xf5];
  if (x === null) return [0xf6];
  if (typeof x === "number") {
    if (Number.isInteger(x) && x >= 0 && x < 2 ** 32) {
      if (pick() < 0.1) {
        const b = new Uint8Array(9);
        b[0] = 0xfb;
        new DataView(b.buffer).setFloat64(1, x);
        return [...b];
      }
      return head(0, x, pick);
    }
    return [...encodeCbor(x)];
  }
  if (typeof x === "string") {
    const b = utf8(x);
    return [...head(3, b.length, pick), ...b];
  }
  if (x instanceof Uint8Array) return [...head(2, x.length, pick), ...x];
  if (Array.isArray(x)) {
    const items = x.flatMap((y) => writeCbor(y, pick));
    return pick() < 0.15 ? [0x9f, ...items, 0xff] : [...head(4, x.length, pick), ...items];
  }
  return [...encodeCbor(x)];
}

// ---------------------------------------------------------------------------
// Hostile inputs

const { value: cborValueArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.integer(),
      fc.constantFrom(0, 1, 2, 3, -1, 2 ** 53, 1.5, -1e300, 2 ** 64),
      fc.boolean(),
      fc.constant(null),
      fc.string({ maxLength: 8 }),
      fc.constantFrom("hi", "hd", "cp", "en", "end", "ack", "err", "", "\x1b"),
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
    ),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.dictionary(fc.string({ maxLength: 4 }), tie("value"), { maxKeys: 3 }),
  ),
}));

function mutate(
  bytes: Uint8Array,
  kind: number,
  a: number,
  b: number,
  other: Uint8Array,
): Uint8Array {
  const at = a % (bytes.length + 1);
  switch (kind % 6) {
    case 0: { // flip bits
      const out = bytes.slice();
      if (at < out.length) out[at] ^= 1 + (b % 255);
      return out;
    }
    case 1: // truncate
      return bytes.subarray(0, at);
    case 2: // insert a byte
      return concatBytes(bytes.subarray(0, at), new Uint8Array([b & 255]), bytes.subarray(at));
    case 3: // delete bytes
      return concatBytes(bytes.subarray(0, at), bytes.subarray(at + 1 + (b % 4)));
    case 4: { // splice from another valid input
      const from = b % (other.length + 1);
      return concatBytes(
        bytes.subarray(0, at),
        other.subarray(from, from + 1 + (b % 20)),
        bytes.subarray(at),
      );
    }
    default: { // set a byte
      const out = bytes.slice();
      if (at < out.length) out[at] = b & 255;
      return out;
    }
  }
}

/** Valid raw arrays with one field replaced, or their fields reordered or dropped. */
function structural(bytes: Uint8Array, op: number, i: number, v: unknown): Uint8Array {
  const raw = decodeCbor(bytes, "valid") as unknown[];
  const out = [...raw];
  const at = i % Math.max(1, out.length);
  switch (op % 4) {
    case 0:
      out[at] = v;
      break;
    case 1:
      out.reverse();
      break;
    case 2:
      out.splice(at, 1);
      break;
    default:
      out.push(v);
  }
  try {
    return encodeCbor(out);
  } catch {
    return bytes;
  }
}

const inputArb = (codec: Codec): fc.Arbitrary<Uint8Array> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }) },
    {
      weight: 2,
      arbitrary: cborValueArb.map((v) => {
        try {
          return encodeCbor(v);
        } catch {
          return new Uint8Array([0xf6]);
        }
      }),
    },
    { weight: 2, arbitrary: codec.valid },
    {
      weight: 6,
      arbitrary: fc.tuple(
        codec.valid,
        codec.valid,
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }),
      )
        .map(([bytes, other, edits]) =>
          edits.reduce((b, [k, x, y]) => mutate(b, k, x, y, other), bytes)
        ),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(codec.valid, fc.nat(), fc.nat(), cborValueArb).map(([b, op, i, v]) =>
        structural(b, op, i, v)
      ),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(codec.valid, fc.integer()).map(([b, seed]) => {
        let s = seed >>> 0 || 1;
        const pick = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
        return new Uint8Array(writeCbor(decodeCbor(b, "valid"), pick));
      }),
    },
  );

for (const [name, codec] of Object.entries(CODECS)) {
  Deno.test(`fuzz ${name}: 15,000 random, mutated, restructured and non-canonical inputs`, () => {
    const stats = { accepted: 0 };
    fc.assert(fc.property(inputArb(codec), (bytes) => probe(codec, bytes, stats)), {
      seed: 141 + name.length,
      numRuns: 15_000,
    });
    assert.ok(
      stats.accepted > 500,
      `only ${stats.accepted} inputs accepted: the fuzz is too narrow`,
    );
  });

  Deno.test(`fuzz ${name}: oversize inputs and absurd declared lengths are bad_message`, () => {
    const absurd = [
      [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // array of 2^64-1 items
      [0x9a, 0xff, 0xff, 0xff, 0xff], // array of 2^32-1 items
      [0x82, 0x5a, 0xff, 0xff, 0xff, 0xff], // a byte string of 4 GiB
      [0x82, 0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // a text of 2^63 bytes
      [0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // a map of 2^64-1 pairs
      ...Array.from({ length: 3 }, (_, i) => new Array(2000 * (i + 1)).fill(0x81)), // deep nesting
    ];
    for (const b of absurd) probe(codec, new Uint8Array(b), { accepted: 0 });
    const e = assertMycelError(
      () => codec.decode(new Uint8Array(MAX_SYNC_MESSAGE + 1)),
      "bad_message",
    );
    assert.match(e.message, /limit/);
  });
}
