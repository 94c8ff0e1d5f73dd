/**
 * @module pairing_messages_test
 * The pairing protocol's messages (version 2): the clear-text opening,
 * answer and verdict a stranger may send, the confirmation, the joiner's
 * record, the welcome and the checkpoint chunks. Each round-trips exactly;
 * each malformed field is `bad_message`; a refusal sent where a Noise
 * message was due is recognised and anything else is not; and every decoder
 * is fuzzed: a `bad_message`, or a value that re-encodes to the input bytes.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, toHex } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import {
  bindingMessage,
  decodeConfirm,
  decodeJoinerInfo,
  decodePairAnswer,
  decodePairHello,
  decodeStateChunk,
  decodeVerdict,
  decodeWelcome,
  encodeConfirm,
  encodeJoinerInfo,
  encodePairAccept,
  encodePairHello,
  encodeRefusal,
  encodeStateChunk,
  encodeVerdict,
  encodeWelcome,
  PAIRING_PROTOCOL_VERSION,
  refusalInstead,
  verificationString,
} from "../../src/protocol/pairing_messages.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { deviceRecordArb } from "../log/helpers.ts";

const plain = { noNullPrototype: true } as const;
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const refusalArb = fc.record({
  code: fc.stringMatching(/^[a-z_]{1,32}$/),
  message: fc.string({ maxLength: 60 }).filter((s) =>
    ![...s].some((c) =>
      c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)
    )
  ),
}, plain);
const meshArb = fc.stringMatching(/^[a-z0-9-]{1,64}$/);

/** Each codec: an arbitrary of valid values, its encoder and decoder. */
interface Codec {
  valid: fc.Arbitrary<unknown>;
  encode: (v: unknown) => Uint8Array;
  decode: (b: Uint8Array) => unknown;
}

/** A codec entry, typed where it is written and erased for the shared checks. */
function codec<T>(
  valid: fc.Arbitrary<T>,
  encode: (v: T) => Uint8Array,
  decode: (b: Uint8Array) => unknown,
): Codec {
  return { valid, encode: (v) => encode(v as T), decode };
}
const CODECS: Record<string, Codec> = {
  hello: codec(
    fc.record({ sid: bytes(16), share: bytes(32) }, plain),
    encodePairHello,
    decodePairHello,
  ),
  answer: codec(
    fc.oneof(
      fc.record({ share: bytes(32) }, plain).map((a) => ({ share: a.share, refusal: undefined })),
      fc.record({ refusal: refusalArb }, plain).map((a) => ({
        share: undefined,
        refusal: a.refusal,
      })),
    ),
    (a) => (a.share !== undefined ? encodePairAccept(a.share) : encodeRefusal(a.refusal!)),
    (b) => {
      const x = decodePairAnswer(b);
      return "share" in x
        ? { share: x.share, refusal: undefined }
        : { share: undefined, refusal: x.refusal };
    },
  ),
  verdict: codec(fc.option(refusalArb, { nil: undefined }), encodeVerdict, decodeVerdict),
  confirm: codec(fc.boolean(), encodeConfirm, decodeConfirm),
  chunk: codec(
    fc.record({ chunk: fc.uint8Array({ maxLength: 64 }), last: fc.boolean() }, plain),
    (c) => encodeStateChunk(c.chunk, c.last),
    decodeStateChunk,
  ),
  joiner: codec(
    fc.record({
      record: deviceRecordArb,
      proof: bytes(64),
      mesh: fc.oneof(fc.constant(""), meshArb),
      members: fc.integer({ min: 1, max: 1000 }),
    }, plain),
    encodeJoinerInfo,
    decodeJoinerInfo,
  ),
  welcome: codec(
    fc.record({
      admission: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      mesh: meshArb,
      inviter: deviceRecordArb,
    }, plain),
    encodeWelcome,
    decodeWelcome,
  ),
};

/** Values as data: keys by hex, bytes by hex. */
const data = (x: unknown) =>
  JSON.parse(JSON.stringify(x ?? null, (_k, v) => {
    if (v instanceof DeviceKey) return v.hex;
    if (v instanceof Uint8Array) return toHex(v);
    return v;
  }));

for (const [name, codec] of Object.entries(CODECS)) {
  Deno.test(`pairing ${name}: decode(encode(x)) is x and re-encodes to the same bytes`, () => {
    fc.assert(
      fc.property(codec.valid, (x) => {
        const b = codec.encode(x);
        const back = codec.decode(b);
        assert.deepStrictEqual(data(back), data(x));
        assert.equal(toHex(codec.encode(back)), toHex(b));
      }),
      { seed: 151, numRuns: 300 },
    );
  });
}

Deno.test("pairing: the opening carries version 2 and refuses another", () => {
  assert.equal(PAIRING_PROTOCOL_VERSION, 2);
  const h = { sid: new Uint8Array(16), share: new Uint8Array(32) };
  assert.deepEqual((decodeCbor(encodePairHello(h), "h") as unknown[]).slice(0, 2), ["pair", 2]);
  const e = assertMycelError(
    () => decodePairHello(encodeCbor(["pair", 1, h.sid, h.share])),
    "bad_message",
  );
  assert.match(e.message, /unsupported pairing version 1/);
});

Deno.test("pairing: malformed fields are bad_message", () => {
  const k = new Uint8Array(32), sig = new Uint8Array(64), sid = new Uint8Array(16);
  const fields = { n: "x", k, w: k, e: [], i: "" };
  const cases: [string, () => unknown][] = [
    [
      "an opening with a 15-byte sid",
      () => decodePairHello(encodeCbor(["pair", 2, new Uint8Array(15), k])),
    ],
    [
      "an opening with a 31-byte share",
      () => decodePairHello(encodeCbor(["pair", 2, sid, new Uint8Array(31)])),
    ],
    ["an answer with a text share", () => decodePairAnswer(encodeCbor(["pair-ok", "share"]))],
    ["a refusal code with a dash", () => decodePairAnswer(encodeCbor(["refuse", "no-way", "x"]))],
    ["a refusal with an escape", () => decodeVerdict(encodeCbor(["refuse", "no", "\x1b[2J"]))],
    ["a refusal with a C1 CSI", () => decodeVerdict(encodeCbor(["refuse", "no", "\x9b2J"]))],
    [
      "a refusal with a lone surrogate",
      () => decodeVerdict(loneSurrogate(encodeCbor(["refuse", "no", "XXX"]))),
    ],
    [
      "a refusal with a right-to-left override",
      () => decodeVerdict(encodeCbor(["refuse", "no", "abc\u202edef"])),
    ],
    [
      "a refusal of 301 characters",
      () => decodeVerdict(encodeCbor(["refuse", "no", "x".repeat(301)])),
    ],
    ["a verdict ok with a field", () => decodeVerdict(encodeCbor(["ok", 1]))],
    ["a confirmation as 1", () => decodeConfirm(encodeCbor(["confirm", 1]))],
    [
      "a chunk over 1 MiB",
      () => decodeStateChunk(encodeCbor(["state", new Uint8Array((1 << 20) + 1), true])),
    ],
    ["a chunk without last", () => decodeStateChunk(encodeCbor(["state", new Uint8Array(1)]))],
    [
      "a joiner with 0 members",
      () => decodeJoinerInfo(encodeCbor(["joiner", k, fields, sig, "", 0])),
    ],
    [
      "a joiner with a bad mesh",
      () => decodeJoinerInfo(encodeCbor(["joiner", k, fields, sig, "Home", 1])),
    ],
    [
      "a joiner with a 63-byte proof",
      () => decodeJoinerInfo(encodeCbor(["joiner", k, fields, new Uint8Array(63), "", 1])),
    ],
    [
      "a joiner with a bad record",
      () => decodeJoinerInfo(encodeCbor(["joiner", k, { ...fields, i: "10.0.0.1" }, sig, "", 1])),
    ],
    [
      "a joiner with a 31-byte key",
      () => decodeJoinerInfo(encodeCbor(["joiner", new Uint8Array(31), fields, sig, "", 1])),
    ],
    [
      "a welcome with an empty mesh",
      () => decodeWelcome(encodeCbor(["welcome", new Uint8Array(1), "", k, fields])),
    ],
    [
      "a welcome with an empty admission",
      () => decodeWelcome(encodeCbor(["welcome", new Uint8Array(0), "m", k, fields])),
    ],
    ["a message that is not CBOR", () => decodeWelcome(new Uint8Array([0xff]))],
    ["a message that is a map", () => decodeConfirm(encodeCbor({ 0: "confirm" }))],
  ];
  for (const [label, read] of cases) assertMycelError(read, "bad_message", label);
});

Deno.test("refusalInstead() recognises a refusal where a Noise message was due, and nothing else", () => {
  const r = { code: "wrong_code", message: "wrong code; 2 attempts left" };
  assert.deepEqual(refusalInstead(encodeRefusal(r)), r);
  assert.equal(refusalInstead(new Uint8Array()), undefined);
  assert.equal(refusalInstead(encodeCbor(["ok"])), undefined);
  assert.equal(refusalInstead(encodeCbor(["refuse", "no-way", "x"])), undefined);
  // A Noise message is random bytes: never taken for a refusal.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 200 }), (b) => {
      assert.equal(refusalInstead(b), undefined);
    }),
    { seed: 152, numRuns: 5000 },
  );
});

Deno.test("verificationString() shows 8 digits in two groups, the same for the same handshake hash", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (h) => {
      const s = verificationString(h);
      assert.match(s, /^\d{4}-\d{4}$/);
      assert.equal(verificationString(h.slice()), s);
    }),
    { seed: 153, numRuns: 500 },
  );
  const a = new Uint8Array(32), b = new Uint8Array(32);
  b[3] = 1;
  assert.notEqual(verificationString(a), verificationString(b));
});

Deno.test("bindingMessage() binds the session id and the Noise key under its own context", () => {
  const sid = new Uint8Array(16).fill(1), key = new Uint8Array(32).fill(2);
  const m = bindingMessage(sid, key);
  assert.equal(new TextDecoder().decode(m.subarray(0, 19)), "mycel/pair/bind/v1\0");
  assert.deepEqual(m.subarray(19), concatBytes(sid, key));
});

// ---------------------------------------------------------------------------
// Fuzz

function mutate(b: Uint8Array, kind: number, a: number, v: number): Uint8Array {
  const at = a % (b.length + 1);
  switch (kind % 4) {
    case 0: {
      const out = b.slice();
      if (at < out.length) out[at] ^= 1 + (v % 255);
      return out;
    }
    case 1:
      return b.subarray(0, at);
    case 2:
      return concatBytes(b.subarray(0, at), new Uint8Array([v & 255]), b.subarray(at));
    default:
      return concatBytes(b.subarray(0, at), b.subarray(at + 1));
  }
}

for (const [name, codec] of Object.entries(CODECS)) {
  Deno.test(`pairing ${name} fuzz: 4,000 mutated or random inputs give bad_message or re-encode exactly`, () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.tuple(
            codec.valid,
            fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat()), { minLength: 1, maxLength: 3 }),
          )
            .map(([x, edits]) =>
              edits.reduce((b, [k, a, v]) => mutate(b, k, a, v), codec.encode(x))
            ),
          codec.valid.map((x) => codec.encode(x)),
        ),
        (input) => {
          let value: unknown;
          try {
            value = codec.decode(input.slice());
          } catch (e) {
            assert.ok(isMycelError(e, "bad_message"), `unexpected ${e}`);
            return;
          }
          accepted++;
          assert.equal(
            toHex(codec.encode(value)),
            toHex(input),
            "an accepted input must re-encode to itself",
          );
        },
      ),
      { seed: 154 + name.length, numRuns: 4000 },
    );
    assert.ok(accepted > 100, `only ${accepted} accepted`);
  });
}

/** `bytes` with the first "XXX" replaced by the UTF-8-like bytes of a lone surrogate (ED A0 80). */
function loneSurrogate(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const at = out.findIndex((_, i) => out[i] === 0x58 && out[i + 1] === 0x58 && out[i + 2] === 0x58);
  out.set([0xed, 0xa0, 0x80], at);
  return out;
}
