/**
 * @module cbor_compat_test
 * mycel's own CBOR codec against cbor-x 1.6.9 configured as mycel used it
 * before (tagUint8Array false, useRecords false, mapsAsObjects true,
 * variableMapSize true): entries already stored were hashed and signed as
 * cbor-x's bytes, so for every value shape mycel writes the bytes must be
 * identical; and anything our decoder accepts, cbor-x reads as the same
 * value (old and new devices agree on what a message says). cbor-x is a
 * devDependency kept for this test only.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Decoder, Encoder } from "cbor-x/encode";
import { toHex } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { encodeCard } from "../../src/protocol/card.ts";
import {
  encodeJoinerInfo,
  encodePairAccept,
  encodePairHello,
  encodeVerdict,
  encodeWelcome,
} from "../../src/protocol/pairing_messages.ts";
import { encodeHello, encodeHelloReply } from "../../src/protocol/sync_hello.ts";
import type { Heads } from "../../src/protocol/sync_heads.ts";
import { encodeSyncMessage } from "../../src/protocol/sync_messages.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { deviceRecordArb, opArb, ownOps, testDevices } from "./helpers.ts";

const theirs = new Encoder({
  tagUint8Array: false,
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
});
const theirDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

function cborX(value: unknown): string {
  return toHex(theirs.encode(value));
}

/** Our bytes equal cbor-x's, and both decoders read them back as the same value. */
function same(value: unknown, label = ""): void {
  const ours = encodeCbor(value);
  assert.equal(toHex(ours), cborX(value), label);
  agree(ours);
}

/** cbor-x reads what we accepted as the value we read (copied: its byte strings are views). */
function agree(bytes: Uint8Array): void {
  const mine = decodeCbor(bytes, "value");
  assert.deepStrictEqual(theirDecoder.decode(bytes), mine);
}

const EDGES = [
  0,
  -0,
  1,
  23,
  24,
  255,
  256,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 40,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 64,
  1e21,
  1e300,
  -1,
  -24,
  -25,
  -256,
  -257,
  -65536,
  -65537,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 32) + 1,
  -(2 ** 32),
  -(2 ** 32) - 1,
  -(2 ** 53) + 1,
  0.5,
  -0.5,
  0.1,
  1.7e12,
  1_700_000_000_123,
  5e-324,
  Number.MAX_VALUE,
];

const numberArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...EDGES),
  fc.integer(),
  fc.integer({ min: -(2 ** 32) - 8, max: 2 ** 32 + 8 }),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const textArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 90 }).filter((s) => s.isWellFormed()),
  fc.tuple(fc.constantFrom("a", "é", "中", "🙂"), fc.nat(400), fc.string({ maxLength: 3 }))
    .map(([c, n, tail]) => c.repeat(n) + tail),
);

const keyArb: fc.Arbitrary<string> = fc.oneof(
  textArb,
  fc.constantFrom("0", "1", "2", "10", "01", "-1", "1.5", "4294967294", "4294967295", "n", "k"),
  fc.nat().map(String),
).filter((k) => k !== "__proto__");

const bytesArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 40 }),
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 200, maxLength: 300 }),
);

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  numberArb,
  textArb,
  bytesArb,
  fc.constantFrom(null, true, false),
);

const { value: valueArb } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(keyArb, tie("value"), { maxKeys: 5 }),
    // Past 23 items a container's head takes a second byte.
    fc.array(leafArb, { minLength: 20, maxLength: 30 }),
    fc.dictionary(keyArb, leafArb, { minKeys: 20, maxKeys: 30 }),
  ),
}));

Deno.test("encodeCbor() writes cbor-x's bytes for edge numbers, text, bytes and containers", () => {
  for (const n of EDGES) same(n, String(n));
  for (const s of ["", "a".repeat(23), "a".repeat(24), "a".repeat(64), "é".repeat(40), "🙂x"]) {
    same(s, s.slice(0, 10));
  }
  same("x".repeat(70_000));
  same("é".repeat(40_000));
  same(new Uint8Array(70_000).fill(7));
  same(Array(70_000).fill(1));
  same(Object.fromEntries([...Array(300)].map((_, i) => [`k${i}`, i])));
  same({ b: 1, 10: 2, 2: 3, "01": 4, "4294967295": 5, "4294967294": 6 });
  same(Object.assign(Object.create(null), { z: 1, a: 2 }));
});

Deno.test("encodeCbor() writes cbor-x's bytes for random values of mycel's shapes", () => {
  fc.assert(
    fc.property(valueArb, (v) => same(v)),
    { seed: 61, numRuns: 8_000 },
  );
});

Deno.test("signed entries of every op type are byte-identical to cbor-x's", async () => {
  const [device] = await testDevices(1);
  const samples = fc.sample(fc.array(opArb, { minLength: 1, maxLength: 4 }), {
    seed: 62,
    numRuns: 400,
  });
  let wall = 1_700_000_000_000;
  for (const ops of samples) {
    const e = await device.append(ownOps(ops, device.key), wall += 1234);
    assert.equal(toHex(e.bytes), cborX([e.body, e.signature]));
    assert.equal(toHex(e.body), cborX(decodeCbor(e.body, "body")));
    agree(e.bytes);
    agree(e.body);
  }
});

Deno.test("protocol, pairing, card and key-file encodings are byte-identical to cbor-x's", async () => {
  const [device] = await testDevices(1);
  const keys = fc.sample(fc.uint8Array({ minLength: 32, maxLength: 32 }), { seed: 63, numRuns: 8 });
  const heads: Heads = new Map(
    keys.map((k, i) => [DeviceKey.of(k), { seq: i * 70_000 + 1, hash: keys[(i + 1) % 8] }]),
  );
  const rows = [...heads].sort(([a], [b]) => a.compare(b));
  const entry = (await device.append([{ type: "app.add", name: "git" }], 1_700_000_000_000)).bytes;
  const records = fc.sample(deviceRecordArb, { seed: 64, numRuns: 20 });
  const wires: Uint8Array[] = [
    encodeSyncMessage({ type: "heads", rows, last: true }),
    encodeHello({ version: 2, admission: [entry] }),
    encodeHelloReply({ ok: true, version: 2 }),
    encodeHelloReply({ ok: false, code: "not_member", message: "nope – ü" }),
    encodeSyncMessage({
      type: "hi",
      now: 1_700_000_000_000,
      digest: keys[7].subarray(0, 16),
      ports: [7850],
      observed: "198.18.0.1:7850",
      seen: [{ device: DeviceKey.of(keys[1]), endpoint: "198.18.0.2:51871" }],
      mesh: "qv7kx2mbw4za3hd6ntrsecp5gfyuo2li",
    }),
    encodeSyncMessage({ type: "entries", entries: [entry, entry] }),
    encodeSyncMessage({ type: "end", sent: 2 ** 40, more: false }),
    encodeSyncMessage({ type: "error", code: "busy", message: "try later" }),
    encodeSyncMessage({ type: "ack", accepted: 70_000, refused: 0 }),
    encodePairHello({ sid: keys[0].subarray(0, 16), share: keys[1] }),
    encodePairAccept(keys[2]),
    encodeVerdict(),
    encodeVerdict({ code: "expired", message: "the code expired" }),
    ...records.flatMap((record) => [
      encodeJoinerInfo({ record, proof: new Uint8Array(64).fill(3), mesh: "", members: 1 }),
      encodeWelcome({ admission: entry, mesh: "home", inviter: record }),
    ]),
    encodeCbor({ v: 1, seal: null, body: keys[3] }),
    encodeCbor({
      v: 1,
      seal: { kdf: "scrypt", N: 2 ** 17, r: 8, p: 1, salt: keys[4], nonce: keys[5] },
      body: keys[6],
    }),
  ];
  const card = await encodeCard(
    { record: { ...records[0], id: device.id }, mesh: "home", members: 3 },
    (m) => device.signer.sign(m),
  );
  const cardBytes = Uint8Array.fromBase64(card.slice(card.indexOf(":") + 1), {
    alphabet: "base64url",
  });
  wires.push(cardBytes, (decodeCbor(cardBytes, "card") as Uint8Array[])[0]);
  for (const w of wires) {
    assert.equal(toHex(w), cborX(decodeCbor(w, "message")));
    agree(w);
  }
});

Deno.test("whatever our decoder accepts from mutated encodings, cbor-x reads the same", () => {
  let accepted = 0;
  fc.assert(
    fc.property(valueArb, fc.nat(), fc.nat(255), (v, at, byte) => {
      const bytes = encodeCbor(v);
      bytes[at % bytes.length] = byte;
      try {
        decodeCbor(bytes, "mutant");
      } catch (e) {
        assert.ok(isMycelError(e, "bad_encoding"), String(e));
        return;
      }
      accepted++;
      agree(bytes);
      assert.equal(toHex(encodeCbor(decodeCbor(bytes, "mutant"))), toHex(bytes));
    }),
    { seed: 65, numRuns: 5_000 },
  );
  assert.ok(accepted > 500, `only ${accepted} mutants were accepted: the test is too narrow`);
});
