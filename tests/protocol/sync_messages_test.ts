/**
 * @module sync_messages_test
 * Sync message codecs: round-trip properties for heads, hellos, replies and
 * application messages; version mismatch; batching. The field-by-field limit
 * tables are in sync_limits_test.ts, the fuzzing in sync_fuzz_test.ts.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { encodeCbor } from "../../src/log/cbor.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import {
  batchEntries,
  decodeHeads,
  decodeHello,
  decodeHelloReply,
  decodeSyncMessage,
  encodeHeads,
  encodeHello,
  encodeHelloReply,
  encodeSyncMessage,
  type Heads,
  type Hello,
  type HelloReply,
  MAX_BATCH_BYTES,
  MAX_SYNC_MESSAGE,
  SYNC_PROLOGUE,
  SYNC_PROTOCOL_VERSION,
  type SyncMessage,
} from "../../src/protocol/sync_messages.ts";
import { assertMycelError } from "../helpers/assert.ts";

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const heads: fc.Arbitrary<Heads> = fc
  .uniqueArray(fc.tuple(key.map(deviceIdFromKey), fc.integer({ min: 1 }), hash), {
    selector: (row) => row[0],
    maxLength: 6,
  })
  .map((rows) => new Map(rows.map(([id, seq, h]) => [id, { seq, hash: h }])));
const mesh = fc.stringMatching(/^[a-z0-9-]{1,64}$/);
const code = fc.stringMatching(/^[a-z_]{1,64}$/);
// fc.record makes null-prototype objects by default; decoders make plain ones.
const plain = { noNullPrototype: true } as const;
const isControl = (c: number) => c < 0x20 || (c >= 0x7f && c <= 0x9f);
const text = fc.string({ unit: "binary", maxLength: 200 }).filter((s) =>
  s.length <= 500 && s.isWellFormed() && ![...s].some((c) => isControl(c.charCodeAt(0)))
);
const entries = (min: number, max: number) =>
  fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: min, maxLength: max });
const hello: fc.Arbitrary<Hello> = fc.record({
  version: fc.constant(SYNC_PROTOCOL_VERSION),
  mesh,
  device: key.map(deviceIdFromKey),
  heads,
  admission: entries(0, 16),
}, plain);
const reply: fc.Arbitrary<HelloReply> = fc.oneof(
  fc.record({
    ok: fc.constant(true as const),
    version: fc.constant(1),
    mesh,
    device: key.map(deviceIdFromKey),
    heads,
  }, plain),
  fc.record({ ok: fc.constant(false as const), code, message: text }, plain),
);
const syncMessage: fc.Arbitrary<SyncMessage> = fc.oneof(
  fc.record({ type: fc.constant("entries" as const), entries: entries(1, 30) }, plain),
  fc.record({ type: fc.constant("done" as const), sent: fc.nat() }, plain),
  fc.record({ type: fc.constant("error" as const), code, message: text }, plain),
);

Deno.test("every codec round-trips (property)", () => {
  fc.assert(fc.property(heads, (h) => assert.deepStrictEqual(decodeHeads(encodeHeads(h)), h)));
  fc.assert(fc.property(hello, (m) => assert.deepStrictEqual(decodeHello(encodeHello(m)), m)));
  fc.assert(
    fc.property(reply, (m) => assert.deepStrictEqual(decodeHelloReply(encodeHelloReply(m)), m)),
  );
  fc.assert(
    fc.property(syncMessage, (m) => {
      assert.deepStrictEqual(decodeSyncMessage(encodeSyncMessage(m)), m);
    }),
  );
});

Deno.test("constants are what the wire expects", () => {
  assert.equal(SYNC_PROTOCOL_VERSION, 1);
  assert.equal(MAX_SYNC_MESSAGE, 4 * 1024 * 1024);
  assert.equal(new TextDecoder().decode(SYNC_PROLOGUE), "mycel/sync/1");
});

Deno.test("decodeHello() reports another version as version_mismatch with a hint", () => {
  const wire = encodeCbor([2, "home", new Uint8Array(32), [], [], "a v2 field"]);
  const e = assertMycelError(() => decodeHello(wire));
  assert.equal(e.code, "version_mismatch");
  assert.match(e.message, /peer speaks sync protocol version 2, this mycel speaks 1/);
  assert.match(e.hint ?? "", /Update mycel on this device/);
  const old = assertMycelError(() => decodeHello(encodeCbor([0, "home"])));
  assert.equal(old.code, "version_mismatch");
  assert.match(old.hint ?? "", /Update mycel on the peer/);
});

Deno.test("decodeHelloReply() reports another version as version_mismatch", () => {
  const e = assertMycelError(() => decodeHelloReply(encodeCbor([true, 7, "whatever"])));
  assert.equal(e.code, "version_mismatch");
  assert.match(e.message, /version 7/);
});

Deno.test("a refusal is read whatever the version of the peer", () => {
  const wire = encodeCbor([false, "unknown_device", "this device is not in the mesh"]);
  assert.deepStrictEqual(decodeHelloReply(wire), {
    ok: false,
    code: "unknown_device",
    message: "this device is not in the mesh",
  });
});

const big = (n: number) => new Uint8Array(n).fill(9);

Deno.test("batchEntries() keeps order and bounds count and bytes (property)", () => {
  const sizes = fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 60 });
  fc.assert(
    fc.property(
      sizes,
      fc.integer({ min: 1, max: 500 }),
      fc.integer({ min: 1, max: 8 }),
      (ns, maxBytes, maxCount) => {
        const input = ns.map((n, i) => new Uint8Array(n).fill(i));
        const batches = batchEntries(input, maxBytes, maxCount);
        assert.deepStrictEqual(batches.flat(), input);
        for (const b of batches) {
          assert.ok(b.length >= 1 && b.length <= maxCount);
          const total = b.reduce((s, e) => s + e.length, 0);
          assert.ok(total <= maxBytes || b.length === 1, "only a lone entry may exceed maxBytes");
        }
      },
    ),
  );
});

Deno.test("batchEntries() gives an oversize entry a batch of its own", () => {
  const [a, b, c] = [big(10), big(100), big(10)];
  assert.deepStrictEqual(batchEntries([a, b, c], 50), [[a], [b], [c]]);
  assert.deepStrictEqual(batchEntries([]), []);
});

Deno.test("batchEntries() refuses limits the wire cannot carry", () => {
  assert.ok(isMycelError(assertMycelError(() => batchEntries([], 0)), "internal"));
  assert.ok(
    isMycelError(assertMycelError(() => batchEntries([], MAX_BATCH_BYTES + 1)), "internal"),
  );
  assert.ok(isMycelError(assertMycelError(() => batchEntries([], 1024, 1025)), "internal"));
});

Deno.test("the largest batch batchEntries() allows still encodes under MAX_SYNC_MESSAGE", () => {
  const entries = Array(1024).fill(big(Math.floor(MAX_BATCH_BYTES / 1024)));
  const [batch] = batchEntries(entries, MAX_BATCH_BYTES);
  assert.equal(batch.length, 1024);
  assert.ok(encodeSyncMessage({ type: "entries", entries: batch }).length <= MAX_SYNC_MESSAGE);
});
