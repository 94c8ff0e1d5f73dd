/**
 * @module entry_test
 * Signed log entries: create/decode round trips, hash chaining, signature
 * checks against every altered byte and against a forged author, rejection of
 * malformed entries with `bad_entry`, and a fuzz run over mutated entries.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, concatBytes } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import {
  createEntry,
  createEntryNow,
  decodeSignedEntry,
  hashEntryBytes,
  MAX_COUNTER,
  MAX_ENTRY_BYTES,
  MAX_OPS_PER_ENTRY,
  type SignedEntry,
  verifyEntrySignature,
} from "../../src/log/entry.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { Signer } from "../../src/log/identity.ts";
import { NowSigner, nowSigner } from "../../src/log/sign_now.ts";
import { encodeOp, type Op } from "../../src/log/ops.ts";
import { assertMycelError, assertRejectsMycel } from "../helpers/assert.ts";
import {
  bodyFields,
  ENTRY_CONTEXT,
  handMadeEntry,
  indexOfBytes,
  opArb,
  ownOps,
  plainCopy,
  testDevices,
  testKeys,
} from "./helpers.ts";

const [keysA, keysB] = await testKeys(2);
const A = new Signer(keysA);
const B = new Signer(keysB);
const KA = DeviceKey.of(A.publicKey);
const KB = DeviceKey.of(B.publicKey);
const T0 = 1_700_000_000_000;
const APP: Op = { type: "app.add", name: "git" };
const HASH = new Uint8Array(32).fill(0xab);

async function genuine(ops: readonly Op[] = [APP], seq = 1): Promise<SignedEntry> {
  return await createEntry(A, {
    seq,
    prev: seq === 1 ? null : HASH,
    hlc: { wall: T0, counter: 3, node: "ignored" },
    ops,
  });
}

/** Wrap `body` and `signature` the way createEntry does. */
const wrap = (body: Uint8Array, signature: Uint8Array) => encodeCbor([body, signature]);

// ---------------------------------------------------------------------------
// Round trips and chaining

Deno.test("createEntry() -> decodeSignedEntry() round-trips every field", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(opArb, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      fc.nat({ max: MAX_COUNTER }),
      async (anyOps, seq, prevHash, wall, counter) => {
        const ops = ownOps(anyOps, KA);
        const prev = seq === 1 ? null : prevHash;
        const e = await createEntry(A, { seq, prev, hlc: { wall, counter, node: "x" }, ops });
        const d = decodeSignedEntry(e.bytes);
        assert.equal(d.entry.author, KA);
        assert.deepEqual(d.entry.author.bytes, A.publicKey);
        assert.equal(d.entry.seq, seq);
        assert.deepEqual(d.entry.prev, prev);
        // The stamp's node is always the author, whatever the caller passed.
        assert.deepEqual(d.entry.hlc, { wall, counter, node: KA.hex });
        assert.deepStrictEqual(plainCopy(d.entry.ops), plainCopy(ops));
        assert.deepEqual(d.hash, sha256(e.bytes));
        assert.deepEqual(d.hash, hashEntryBytes(e.bytes));
        assert.deepEqual(d, e);
        assert.ok(await verifyEntrySignature(d));
      },
    ),
    { seed: 41, numRuns: 150 },
  );
});

Deno.test("createEntry() wire form is [body, signature] with the documented body layout", async () => {
  const e = await genuine([APP], 5);
  const hex = (x: unknown) => (x instanceof Uint8Array ? new Uint8Array(x).toHex() : x);
  const outer = decodeCbor(e.bytes, "entry") as unknown[];
  assert.deepEqual(outer.map(hex), [e.body.toHex(), e.signature.toHex()]);
  assert.equal(e.signature.length, 64);
  const body = decodeCbor(e.body, "body") as unknown[];
  assert.deepEqual(body.map(hex), [1, A.publicKey.toHex(), 5, HASH.toHex(), T0, 3, [[
    "aa",
    "git",
  ]]]);
});

Deno.test("entries of one device chain by hash: each prev is the previous entry's hash", async () => {
  const [d] = await testDevices(1);
  for (let i = 0; i < 4; i++) await d.append([APP], T0 + i);
  assert.equal(d.log[0].entry.prev, null);
  for (let i = 1; i < 4; i++) {
    assert.equal(d.log[i].entry.seq, i + 1);
    assert.deepEqual(d.log[i].entry.prev, d.log[i - 1].hash);
  }
  assert.equal(new Set(d.log.map((e) => e.hash.toHex())).size, 4);
});

// ---------------------------------------------------------------------------
// Signatures

Deno.test("verifyEntrySignature() is true for genuine entries", async () => {
  for (const seq of [1, 2, 1000]) assert.ok(await verifyEntrySignature(await genuine([APP], seq)));
});

Deno.test("verifyEntrySignature() is false after flipping any byte of the signature", async () => {
  const e = await genuine();
  for (let i = 0; i < 64; i++) {
    for (const mask of [0x01, 0x80, 0xff]) {
      const sig = e.signature.slice();
      sig[i] ^= mask;
      const d = decodeSignedEntry(wrap(e.body, sig));
      assert.equal(await verifyEntrySignature(d), false, `signature byte ${i} ^ ${mask}`);
    }
  }
});

Deno.test("an entry whose body was altered after signing is rejected or fails verification", async () => {
  const e = await genuine([APP, { type: "pref.set", key: "theme", value: "dark" }], 2);
  let decoded = 0;
  for (let i = 0; i < e.body.length; i++) {
    for (const mask of [0x01, 0x20, 0xff]) {
      const body = e.body.slice();
      body[i] ^= mask;
      let d: SignedEntry;
      try {
        d = decodeSignedEntry(wrap(body, e.signature));
      } catch (err) {
        assert.ok(isMycelError(err), `byte ${i}: ${err}`);
        continue;
      }
      decoded++;
      assert.equal(await verifyEntrySignature(d), false, `body byte ${i} ^ ${mask}`);
    }
  }
  assert.ok(decoded > e.body.length, "most altered bodies still decode; all must fail to verify");
});

Deno.test("verifyEntrySignature() is false for an entry claiming another device as author", async () => {
  // 1. A genuine entry of A with the author key swapped for B's.
  const e = await genuine();
  const at = indexOfBytes(e.body, A.publicKey);
  assert.ok(at > 0);
  const body = e.body.slice();
  body.set(B.publicKey, at);
  const swapped = decodeSignedEntry(wrap(body, e.signature));
  assert.equal(swapped.entry.author, KB);
  assert.equal(await verifyEntrySignature(swapped), false);
  // 2. A body naming B as author, signed (validly) by A.
  const forged = decodeSignedEntry(await handMadeEntry(A, bodyFields(A, { key: B.publicKey })));
  assert.equal(forged.entry.author, KB);
  assert.equal(await verifyEntrySignature(forged), false);
  // 3. B's signature over A's body.
  const bSig = await B.sign(concatBytes(ENTRY_CONTEXT, e.body));
  assert.equal(await verifyEntrySignature(decodeSignedEntry(wrap(e.body, bSig))), false);
});

Deno.test("verifyEntrySignature() is false for a signature without the entry context prefix", async () => {
  const e = await genuine();
  const bare = await A.sign(e.body);
  assert.equal(await verifyEntrySignature(decodeSignedEntry(wrap(e.body, bare))), false);
});

Deno.test("verifyEntrySignature() is false when the signature of one entry is moved to another", async () => {
  const e1 = await genuine([APP], 1);
  const e2 = await genuine([{ type: "app.add", name: "vim" }], 1);
  assert.equal(await verifyEntrySignature(decodeSignedEntry(wrap(e2.body, e1.signature))), false);
});

Deno.test("createEntry() refuses a signer whose key halves do not match (bad_key)", async () => {
  // BUG: Signer's doc says it "fails later (on sign) if the halves do not
  // match", but WebCrypto imports a JWK with a mismatched d/x and signs with
  // d, so createEntry returns an entry that no peer can verify.
  const mixed = new Signer({ signPrivate: keysA.signPrivate, signPublic: keysB.signPublic });
  let made: SignedEntry | undefined;
  await assertRejectsMycel(async () => {
    made = await createEntry(mixed, {
      seq: 1,
      prev: null,
      hlc: { wall: T0, counter: 0, node: "" },
      ops: [APP],
    });
  }, "bad_key");
  assert.equal(made, undefined);
});

Deno.test("createEntryNow() makes the very bytes createEntry() makes, and refuses a mismatched signer", async () => {
  // A home signs its own entries this way (inside its write transaction);
  // Ed25519 is deterministic, so every release verifies them as before.
  const fields = { seq: 3, prev: HASH, hlc: { wall: T0, counter: 7, node: "" }, ops: [APP] };
  const now = createEntryNow(nowSigner(keysA), fields);
  assert.deepEqual(now.bytes, (await createEntry(A, fields)).bytes);
  assert.ok(await verifyEntrySignature(now));
  const mixed = new NowSigner({ signPrivate: keysA.signPrivate, signPublic: keysB.signPublic });
  assertMycelError(() => createEntryNow(mixed, fields), "bad_key");
  assertMycelError(
    () =>
      createEntryNow(nowSigner(keysA), { ...fields, ops: Array(MAX_OPS_PER_ENTRY + 1).fill(APP) }),
    "entry_too_large",
  );
});

Deno.test("an entry made with a mismatched signer never verifies", async () => {
  const mixed = new Signer({ signPrivate: keysA.signPrivate, signPublic: keysB.signPublic });
  try {
    const e = await createEntry(mixed, {
      seq: 1,
      prev: null,
      hlc: { wall: T0, counter: 0, node: "" },
      ops: [APP],
    });
    assert.equal(await verifyEntrySignature(e), false);
  } catch (e) {
    assert.ok(isMycelError(e, "bad_key"));
  }
});

Deno.test("decodeSignedEntry() rejects a re-encoded wrapper of a genuine entry (one entry, one hash)", async () => {
  // BUG: the outer [body, signature] is decoded without checking that it is
  // the canonical encoding, so anyone relaying an entry can re-wrap it (here:
  // a 2-byte length header for the body) into different bytes with a
  // different hash that still verifies: a fake fork of (author, seq), or a
  // broken chain link for the next entry's `prev`.
  const e = await genuine();
  const b = e.body;
  const alt = new Uint8Array([
    0x82,
    0x59,
    b.length >> 8,
    b.length & 0xff,
    ...b,
    0x58,
    64,
    ...e.signature,
  ]);
  let d: SignedEntry;
  try {
    d = decodeSignedEntry(alt);
  } catch (err) {
    assert.ok(isMycelError(err, "bad_entry"));
    return;
  }
  assert.ok(await verifyEntrySignature(d), "it is the genuine signed content");
  assert.equal(d.hash.toHex(), e.hash.toHex(), "the same signed entry must have a single hash");
});

// ---------------------------------------------------------------------------
// Malformed entries

Deno.test("decodeSignedEntry() rejects malformed bodies with bad_entry", async () => {
  const cases: [string, Parameters<typeof bodyFields>[1]][] = [
    ["version 2", { version: 2 }],
    ["version 0", { version: 0 }],
    ["version as text", { version: "1" }],
    ["author key 31 bytes", { key: A.publicKey.subarray(1) }],
    ["author key 33 bytes", { key: concatBytes(A.publicKey, new Uint8Array(1)) }],
    ["author key as text", { key: A.id }],
    ["seq 0", { seq: 0 }],
    ["seq -1", { seq: -1 }],
    ["seq 1.5", { seq: 1.5 }],
    ["seq as text", { seq: "1" }],
    ["seq 2^53", { seq: 2 ** 53, prev: HASH }],
    ["seq null", { seq: null }],
    ["seq 1 with a prev", { seq: 1, prev: HASH }],
    ["seq 2 without a prev", { seq: 2, prev: null }],
    ["prev 31 bytes", { seq: 2, prev: HASH.subarray(1) }],
    ["prev 33 bytes", { seq: 2, prev: concatBytes(HASH, HASH.subarray(0, 1)) }],
    ["prev as text", { seq: 2, prev: "ab".repeat(32) }],
    ["wall -1", { wall: -1 }],
    ["wall 1.5", { wall: 1.5 }],
    ["wall 2^53", { wall: 2 ** 53 }],
    ["wall as text", { wall: "0" }],
    ["wall null", { wall: null }],
    ["counter -1", { counter: -1 }],
    ["counter 2^32", { counter: MAX_COUNTER + 1 }],
    ["counter 2^40", { counter: 2 ** 40 }],
    ["counter 0.5", { counter: 0.5 }],
    ["ops empty", { ops: [] }],
    ["ops not a list", { ops: encodeOp(APP) }],
    ["ops null", { ops: null }],
    ["ops too many", { ops: Array(MAX_OPS_PER_ENTRY + 1).fill(encodeOp(APP)) }],
    ["an op malformed", { ops: [encodeOp(APP), ["aa", ""]] }],
    ["an op unknown", { ops: [["zz"]] }],
  ];
  for (const [label, over] of cases) {
    const bytes = await handMadeEntry(A, bodyFields(A, over));
    const e = assertMycelError(() => decodeSignedEntry(bytes), "bad_entry", label);
    assert.match(e.message, /^Cannot read log entry: /);
  }
});

Deno.test("decodeSignedEntry() refuses a validly signed entry updating another device's record (foreign_update)", async () => {
  const foreign = encodeOp({ type: "device.update", device: KB, fields: { name: "evil" } });
  const bytes = await handMadeEntry(A, bodyFields(A, { ops: [encodeOp(APP), foreign] }));
  const e = assertMycelError(() => decodeSignedEntry(bytes), "foreign_update");
  assert.match(e.message, /only a device may change its own/);
  // createEntry never signs one either: it decodes what it made.
  await assertRejectsMycel(
    () =>
      createEntry(A, {
        seq: 1,
        prev: null,
        hlc: { wall: T0, counter: 0, node: "" },
        ops: [{ type: "device.update", device: KB, fields: { name: "evil" } }],
      }),
    "foreign_update",
  );
});

Deno.test("decodeSignedEntry() accepts a device.update of the entry's own author", async () => {
  const own = encodeOp({ type: "device.update", device: KA, fields: { name: "mine" } });
  const d = decodeSignedEntry(await handMadeEntry(A, bodyFields(A, { ops: [own] })));
  assert.deepEqual(d.entry.ops, [{ type: "device.update", device: KA, fields: { name: "mine" } }]);
});

Deno.test("decodeSignedEntry() interns the author: entries of one device share one DeviceKey", async () => {
  const e1 = await genuine([APP], 1);
  const e2 = await genuine([APP], 2);
  assert.equal(decodeSignedEntry(e1.bytes).entry.author, decodeSignedEntry(e2.bytes).entry.author);
  assert.equal(decodeSignedEntry(e1.bytes).entry.author, KA);
});

Deno.test("decodeSignedEntry() accepts the extremes: counter 2^32-1, 10 000 ops, seq 2^53-1", async () => {
  const max = await handMadeEntry(A, bodyFields(A, { counter: MAX_COUNTER }));
  assert.equal(decodeSignedEntry(max).entry.hlc.counter, MAX_COUNTER);
  const many = await handMadeEntry(
    A,
    bodyFields(A, { ops: Array(MAX_OPS_PER_ENTRY).fill(encodeOp(APP)) }),
  );
  assert.equal(decodeSignedEntry(many).entry.ops.length, MAX_OPS_PER_ENTRY);
  const late = await handMadeEntry(A, bodyFields(A, { seq: Number.MAX_SAFE_INTEGER, prev: HASH }));
  assert.equal(decodeSignedEntry(late).entry.seq, Number.MAX_SAFE_INTEGER);
});

Deno.test("decodeSignedEntry() names the bad op in its message", async () => {
  const bytes = await handMadeEntry(A, bodyFields(A, { ops: [["ps", "k", 5]] }));
  const e = assertMycelError(() => decodeSignedEntry(bytes), "bad_entry");
  assert.match(e.message, /an op is invalid/);
  assert.match(e.message, /preference value/);
});

Deno.test("decodeSignedEntry() rejects malformed wrappers with bad_entry", async () => {
  const e = await genuine();
  const body = decodeCbor(e.body, "b") as unknown[];
  const cases: [string, Uint8Array][] = [
    ["not a list", encodeCbor({ body: e.body, signature: e.signature })],
    ["one element", encodeCbor([e.body])],
    ["three elements", encodeCbor([e.body, e.signature, e.signature])],
    ["body as a list", encodeCbor([body, e.signature])],
    ["body as text", encodeCbor(["body", e.signature])],
    ["signature 63 bytes", wrap(e.body, e.signature.subarray(1))],
    ["signature 65 bytes", wrap(e.body, concatBytes(e.signature, new Uint8Array(1)))],
    ["signature as text", encodeCbor([e.body, "sig"])],
    ["signature missing", encodeCbor([e.body, null])],
    ["body with 6 fields", await handMadeEntry(A, bodyFields(A).slice(0, 6))],
    ["body with 8 fields", await handMadeEntry(A, [...bodyFields(A), 0])],
    ["body a number", await handMadeEntry(A, 7 as unknown as unknown[])],
    ["body a map", await handMadeEntry(A, { 0: 1 } as unknown as unknown[])],
    ["oversize", new Uint8Array(MAX_ENTRY_BYTES + 1)],
  ];
  for (const [label, bytes] of cases) {
    assertMycelError(() => decodeSignedEntry(bytes), "bad_entry", label);
  }
});

Deno.test("decodeSignedEntry() reports bytes that are not CBOR as bad_entry", async () => {
  // The doc promises "@throws MycelError `bad_entry`"; decodeCbor's
  // `bad_encoding` leaks through for undecodable outer bytes or body.
  const e = await genuine();
  const cases: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["truncated", e.bytes.subarray(0, e.bytes.length - 1)],
    ["trailing byte", concatBytes(e.bytes, new Uint8Array([0]))],
    ["body not CBOR", wrap(new Uint8Array([0xff, 0xff]), e.signature)],
    ["body with a trailing byte", wrap(concatBytes(e.body, new Uint8Array([0])), e.signature)],
  ];
  for (const [label, bytes] of cases) {
    assertMycelError(() => decodeSignedEntry(bytes), "bad_entry", label);
  }
});

Deno.test("createEntry() refuses an entry without ops", async () => {
  await assertRejectsMycel(
    () => createEntry(A, { seq: 1, prev: null, hlc: { wall: T0, counter: 0, node: "" }, ops: [] }),
    "bad_entry",
  );
});

Deno.test("createEntry() refuses an entry larger than 1 MiB with entry_too_large", async () => {
  const big = "v".repeat(65536);
  const ops: Op[] = Array.from(
    { length: 17 },
    (_, i) => ({ type: "pref.set", key: `k${i}`, value: big }),
  );
  const e = await assertRejectsMycel(
    () => createEntry(A, { seq: 1, prev: null, hlc: { wall: T0, counter: 0, node: "" }, ops }),
    "entry_too_large",
  );
  assert.match(e.message, /limit 1048576/);
  assert.match(e.hint ?? "", /^One change holds at most 1 MiB/);
  // Far past it (a 20 MB value through `config import`): the same error, not
  // "Cannot encode CBOR" with no hint.
  const huge: Op[] = [{ type: "pref.set", key: "k", value: "v".repeat(20 << 20) }];
  const f = await assertRejectsMycel(
    () =>
      createEntry(A, { seq: 1, prev: null, hlc: { wall: T0, counter: 0, node: "" }, ops: huge }),
    "entry_too_large",
  );
  assert.match(f.message, /the change is too large \(over 16 MiB, limit 1048576\)/);
});

Deno.test("createEntry() refuses malformed fields it is given (seq/prev mismatch, big counter)", async () => {
  const hlc = { wall: T0, counter: 0, node: "" };
  await assertRejectsMycel(
    () => createEntry(A, { seq: 2, prev: null, hlc, ops: [APP] }),
    "bad_entry",
  );
  await assertRejectsMycel(
    () => createEntry(A, { seq: 1, prev: HASH, hlc, ops: [APP] }),
    "bad_entry",
  );
  await assertRejectsMycel(
    () => createEntry(A, { seq: 1, prev: null, hlc: { ...hlc, counter: 2 ** 32 }, ops: [APP] }),
    "bad_entry",
  );
});

// ---------------------------------------------------------------------------
// Fuzz

Deno.test("decodeSignedEntry() fuzz: 10k mutated genuine entries never crash or verify", async () => {
  const [d1, d2] = await testDevices(2);
  const pool: SignedEntry[] = [];
  const samples = fc.sample(fc.array(opArb, { minLength: 1, maxLength: 4 }), {
    seed: 42,
    numRuns: 12,
  });
  for (const [i, ops] of samples.entries()) {
    const d = i % 2 ? d1 : d2;
    pool.push(await d.append(ownOps(ops, d.key), T0 + i));
  }
  const genuineContent = new Set(pool.map((e) => `${e.body.toHex()}/${e.signature.toHex()}`));

  const mutation = fc.oneof(
    fc.record({
      kind: fc.constant("flip" as const),
      at: fc.nat(),
      mask: fc.integer({ min: 1, max: 255 }),
    }),
    fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.nat(255) }),
    fc.record({
      kind: fc.constant("insert" as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
    }),
    fc.record({
      kind: fc.constant("delete" as const),
      at: fc.nat(),
      n: fc.integer({ min: 1, max: 8 }),
    }),
    fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
    fc.record({
      kind: fc.constant("splice" as const),
      at: fc.nat(),
      from: fc.nat(),
      other: fc.nat(),
      n: fc.integer({ min: 1, max: 40 }),
    }),
  );
  type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;
  function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
    const at = m.at % (bytes.length + 1);
    switch (m.kind) {
      case "flip": {
        const out = bytes.slice();
        if (at < out.length) out[at] ^= m.mask;
        return out;
      }
      case "set": {
        const out = bytes.slice();
        if (at < out.length) out[at] = m.value;
        return out;
      }
      case "insert":
        return concatBytes(bytes.subarray(0, at), m.bytes, bytes.subarray(at));
      case "delete":
        return concatBytes(bytes.subarray(0, at), bytes.subarray(at + m.n));
      case "truncate":
        return bytes.subarray(0, at);
      case "splice": {
        const src = pool[m.other % pool.length].bytes;
        const from = m.from % src.length;
        return concatBytes(
          bytes.subarray(0, at),
          src.subarray(from, from + m.n),
          bytes.subarray(at + m.n),
        );
      }
    }
  }

  const codes = new Map<string, number>();
  let decoded = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.nat(pool.length - 1),
      fc.array(mutation, { minLength: 1, maxLength: 3 }),
      async (which, mutations) => {
        let bytes = pool[which].bytes;
        for (const m of mutations) bytes = mutate(bytes, m);
        let d: SignedEntry;
        try {
          d = decodeSignedEntry(bytes);
        } catch (e) {
          assert.ok(isMycelError(e), `non-MycelError thrown: ${e}`);
          // foreign_update: a mutated author key no longer owns the entry's device.update.
          assert.ok(["bad_entry", "bad_encoding", "foreign_update"].includes(e.code), e.code);
          codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
          return;
        }
        decoded++;
        assert.ok(bytesEqual(d.hash, sha256(bytes)));
        const content = `${d.body.toHex()}/${d.signature.toHex()}`;
        assert.equal(await verifyEntrySignature(d), genuineContent.has(content), "verification");
      },
    ),
    { seed: 43, numRuns: 12_000 },
  );
  assert.ok(decoded > 100, `only ${decoded} mutants decoded`);
  assert.ok((codes.get("bad_entry") ?? 0) > 100);
});
