/**
 * @module sync_hello_test
 * The Noise_IK handshake payloads of sync protocol version 2: the hello
 * `[2, admission entries]`, the accepted reply `[true, 2]` and the refusal
 * `[false, code, message]`:
 * - round trips, exact bytes;
 * - a version-1 hello (`[1, mesh, key, heads, admission]`) or a newer one is
 *   `version_mismatch` with a hint saying which side to update, never
 *   `bad_message`; so is a reply of another version;
 * - a refusal is read whatever version the peer speaks;
 * - the refusal every non-member gets names no mesh, no device, no version.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeCbor } from "../../src/log/cbor.ts";
import { MAX_ADMISSION_ENTRIES, SYNC_PROTOCOL_VERSION } from "../../src/protocol/sync_fields.ts";
import {
  decodeHello,
  decodeHelloReply,
  encodeHello,
  encodeHelloReply,
  GENERIC_REFUSAL,
  type Hello,
  type HelloReply,
} from "../../src/protocol/sync_hello.ts";
import { assertBytes, assertMycelError } from "../helpers/assert.ts";
import { helloArb, replyArb } from "./sync_arbs.ts";

const data = (x: Hello | HelloReply) =>
  JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? v.toHex() : v)));

Deno.test("hello and reply round-trip to the same value and the same bytes", () => {
  fc.assert(
    fc.property(helloArb, replyArb, (hello, reply) => {
      const hb = encodeHello(hello);
      assert.deepStrictEqual(data(decodeHello(hb)), data(hello));
      assertBytes(encodeHello(decodeHello(hb)), hb);
      const rb = encodeHelloReply(reply);
      assert.deepStrictEqual(data(decodeHelloReply(rb)), data(reply));
      assertBytes(encodeHelloReply(decodeHelloReply(rb)), rb);
    }),
    { seed: 111, numRuns: 1000 },
  );
});

Deno.test("the wire forms: hello [2, entries], accepted [true, 2], refusal [false, code, message]", () => {
  const entry = new Uint8Array([7]);
  assertBytes(encodeHello({ version: 2, admission: [entry] }), encodeCbor([2, [entry]]));
  assertBytes(encodeHelloReply({ ok: true, version: 2 }), encodeCbor([true, 2]));
  assertBytes(
    encodeHelloReply({ ok: false, code: "busy", message: "later" }),
    encodeCbor([false, "busy", "later"]),
  );
});

Deno.test("a version-1 hello [1, mesh, key, heads, admission] is version_mismatch: update the peer", () => {
  const v1 = encodeCbor([1, "home", new Uint8Array(32).fill(1), [[
    new Uint8Array(32),
    3,
    new Uint8Array(32),
  ]], []]);
  const e = assertMycelError(() => decodeHello(v1), "version_mismatch");
  assert.match(e.message, /version 1, this mycel speaks 2/);
  assert.match(e.hint ?? "", /Update mycel on the peer/);
});

Deno.test("a newer hello, whatever else it holds, is version_mismatch: update this device", () => {
  for (const later of [[3], [3, []], [99, "anything", { x: 1 }]]) {
    const e = assertMycelError(() => decodeHello(encodeCbor(later)), "version_mismatch");
    assert.match(e.hint ?? "", /Update mycel on this device/);
  }
});

Deno.test("a reply of another version is version_mismatch; a refusal is read whatever the version", () => {
  assertMycelError(
    () => decodeHelloReply(encodeCbor([true, 1, "home", new Uint8Array(32), []])),
    "version_mismatch",
  );
  assertMycelError(() => decodeHelloReply(encodeCbor([true, 3])), "version_mismatch");
  const r = decodeHelloReply(encodeCbor([false, "not_accepted", "no"]));
  assert.deepEqual(r, { ok: false, code: "not_accepted", message: "no" });
});

Deno.test("malformed handshake payloads are bad_message", () => {
  const cases: [string, () => unknown][] = [
    ["a hello that is a map", () => decodeHello(encodeCbor({ 0: 2 }))],
    ["an empty hello", () => decodeHello(encodeCbor([]))],
    ["a hello version as text", () => decodeHello(encodeCbor(["2", []]))],
    ["a hello without admission", () => decodeHello(encodeCbor([2]))],
    ["a hello with a third field", () => decodeHello(encodeCbor([2, [], 1]))],
    [
      "too many admission entries",
      () => decodeHello(encodeCbor([2, Array(MAX_ADMISSION_ENTRIES + 1).fill(new Uint8Array(1))])),
    ],
    ["an empty admission entry", () => decodeHello(encodeCbor([2, [new Uint8Array(0)]]))],
    ["an admission entry as text", () => decodeHello(encodeCbor([2, ["entry"]]))],
    ["a reply starting with 1", () => decodeHelloReply(encodeCbor([1, 2]))],
    ["an empty reply", () => decodeHelloReply(encodeCbor([]))],
    ["an accepted reply with a third field", () => decodeHelloReply(encodeCbor([true, 2, 0]))],
    ["an accepted reply without version", () => decodeHelloReply(encodeCbor([true]))],
    ["a refusal code with a dash", () => decodeHelloReply(encodeCbor([false, "no-way", "x"]))],
    ["a refusal with an escape", () => decodeHelloReply(encodeCbor([false, "no", "\x1b[2J"]))],
    ["a refusal with a C1 CSI", () => decodeHelloReply(encodeCbor([false, "no", "\x9b2J"]))],
    [
      "a refusal with a lone surrogate",
      () => decodeHelloReply(loneSurrogate(encodeCbor([false, "no", "XXX"]))),
    ],
    [
      "a refusal with a right-to-left override",
      () => decodeHelloReply(encodeCbor([false, "no", "abc\u202edef"])),
    ],
    [
      "a refusal of 501 characters",
      () => decodeHelloReply(encodeCbor([false, "no", "x".repeat(501)])),
    ],
    ["a refusal with 2 fields", () => decodeHelloReply(encodeCbor([false, "no"]))],
  ];
  for (const [label, read] of cases) assertMycelError(read, "bad_message", label);
});

Deno.test("the encoders refuse what the decoders refuse", () => {
  const cases: [string, () => unknown][] = [
    ["a hello of version 1", () => encodeHello({ version: 1, admission: [] })],
    [
      "17 admission entries",
      () => encodeHello({ version: 2, admission: Array(17).fill(new Uint8Array(1)) }),
    ],
    ["an empty admission entry", () => encodeHello({ version: 2, admission: [new Uint8Array()] })],
    ["an accepted reply of version 3", () => encodeHelloReply({ ok: true, version: 3 })],
    ["a refusal with a bad code", () => encodeHelloReply({ ok: false, code: "Bad", message: "x" })],
    ["a refusal with a newline", () => encodeHelloReply({ ok: false, code: "x", message: "a\nb" })],
  ];
  for (const [label, write] of cases) assertMycelError(write, "bad_message", label);
});

Deno.test("the refusal every non-member gets names no mesh, device or version", () => {
  assert.deepEqual(GENERIC_REFUSAL, {
    code: "not_accepted",
    message: "this device does not accept your device",
  });
  const bytes = encodeHelloReply({ ok: false, ...GENERIC_REFUSAL });
  assertBytes(
    bytes,
    encodeCbor([false, "not_accepted", "this device does not accept your device"]),
  );
  // No mesh id (16 base32 characters), no device id, no digits (versions, counts, times).
  const text = `${GENERIC_REFUSAL.code} ${GENERIC_REFUSAL.message}`;
  assert.doesNotMatch(text, /[a-z2-7]{16}/);
  assert.doesNotMatch(text, /[0-9]/);
  assert.doesNotMatch(text, /mesh/i);
  assert.equal(decodeHelloReply(bytes).ok, false);
  assert.equal(SYNC_PROTOCOL_VERSION, 2);
});

/** `bytes` with the first "XXX" replaced by the UTF-8-like bytes of a lone surrogate (ED A0 80). */
function loneSurrogate(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const at = out.findIndex((_, i) => out[i] === 0x58 && out[i + 1] === 0x58 && out[i + 2] === 0x58);
  out.set([0xed, 0xa0, 0x80], at);
  return out;
}
