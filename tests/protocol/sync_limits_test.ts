/**
 * @module sync_limits_test
 * Table tests for every field check of the sync codecs: each malformed or
 * over-limit input a decoder must refuse as bad_message (naming the field),
 * every limit accepted exactly at its edge, and what the encoders refuse to
 * send.
 */

import assert from "node:assert/strict";
import { encodeCbor } from "../../src/log/cbor.ts";
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
  type Hello,
  MAX_SYNC_MESSAGE,
} from "../../src/protocol/sync_messages.ts";
import { assertMycelError } from "../helpers/assert.ts";

const ID = deviceIdFromKey(new Uint8Array(32).fill(7));
const H32 = new Uint8Array(32).fill(1);
const okHello: Hello = {
  version: 1,
  mesh: "home",
  device: ID,
  heads: new Map([[ID, { seq: 3, hash: H32 }]]),
  admission: [],
};

const big = (n: number) => new Uint8Array(n).fill(9);
const badReads: [string, () => unknown, RegExp][] = [
  ["a hello that is not an array", () => decodeHello(encodeCbor({ version: 1 })), /not a CBOR/],
  ["a hello with a missing field", () => decodeHello(encodeCbor([1, "home", big(32), []])), /5/],
  ["an empty mesh", () => decodeHello(encodeCbor([1, "", big(32), [], []])), /mesh/],
  ["a 65-char mesh", () => decodeHello(encodeCbor([1, "a".repeat(65), big(32), [], []])), /mesh/],
  ["an upper-case mesh", () => decodeHello(encodeCbor([1, "Home", big(32), [], []])), /mesh/],
  ["a 31-byte device", () => decodeHello(encodeCbor([1, "h", big(31), [], []])), /device/],
  [
    "17 admission entries",
    () => decodeHello(encodeCbor([1, "h", big(32), [], Array(17).fill(big(1))])),
    /admission/,
  ],
  [
    "an empty admission entry",
    () => decodeHello(encodeCbor([1, "h", big(32), [], [big(0)]])),
    /admission\[0\]/,
  ],
  [
    "an admission entry over 1 MiB",
    () => decodeHello(encodeCbor([1, "h", big(32), [], [big((1 << 20) + 1)]])),
    /admission\[0\]/,
  ],
  ["a seq of 0", () => decodeHeads(encodeCbor([[big(32), 0, big(32)]])), /seq/],
  ["a fractional seq", () => decodeHeads(encodeCbor([[big(32), 1.5, big(32)]])), /seq/],
  ["a seq past 2^53", () => decodeHeads(encodeCbor([[big(32), 2 ** 53, big(32)]])), /seq/],
  ["a 31-byte head hash", () => decodeHeads(encodeCbor([[big(32), 1, big(31)]])), /hash/],
  [
    "a repeated author",
    () => decodeHeads(encodeCbor([[big(32), 1, big(32)], [big(32), 2, big(32)]])),
    /distinct/,
  ],
  ["4097 authors", () => decodeHeads(encodeCbor(Array(4097).fill(0))), /4096/],
  [
    "a refusal code with a dash",
    () => decodeHelloReply(encodeCbor([false, "no-way", "x"])),
    /code/,
  ],
  [
    "a 501-char refusal",
    () => decodeHelloReply(encodeCbor([false, "no", "x".repeat(501)])),
    /message/,
  ],
  [
    "an escape in a refusal",
    () => decodeHelloReply(encodeCbor([false, "no", "\x1b[2J"])),
    /message/,
  ],
  [
    "a C1 CSI in an error",
    () => decodeSyncMessage(encodeCbor(["error", "no", "\x9b2J"])),
    /message/,
  ],
  ["a reply starting with 1", () => decodeHelloReply(encodeCbor([1, 1])), /true or false/],
  ["an unknown message type", () => decodeSyncMessage(encodeCbor(["ping"])), /type/],
  ["an empty entries message", () => decodeSyncMessage(encodeCbor(["entries", []])), /1–1024/],
  [
    "1025 entries",
    () => decodeSyncMessage(encodeCbor(["entries", Array(1025).fill(big(1))])),
    /1–1024/,
  ],
  ["a negative done", () => decodeSyncMessage(encodeCbor(["done", -1])), /sent/],
  ["a done with a string count", () => decodeSyncMessage(encodeCbor(["done", "3"])), /sent/],
  [
    "trailing bytes",
    () => decodeSyncMessage(new Uint8Array([...encodeCbor(["done", 1]), 0])),
    /CBOR/,
  ],
  ["an empty input", () => decodeSyncMessage(new Uint8Array(0)), /CBOR/],
  ["a message over 4 MiB", () => decodeSyncMessage(big(MAX_SYNC_MESSAGE + 1)), /limit/],
];
for (const [name, read, reason] of badReads) {
  Deno.test(`decoders reject ${name} as bad_message`, () => {
    const e = assertMycelError(read);
    assert.equal(e.code, "bad_message", e.message);
    assert.match(e.message, /^Cannot read sync message: /);
    assert.match(e.message, reason);
  });
}

Deno.test("decoders accept every limit exactly", () => {
  const heads = Array.from({ length: 4096 }, (_, i) => {
    const k = new Uint8Array(32);
    k[0] = i >> 8;
    k[1] = i & 255;
    return [k, Number.MAX_SAFE_INTEGER, big(32)];
  });
  assert.equal(decodeHeads(encodeCbor(heads)).size, 4096);
  const mesh = "a-".repeat(32);
  // 16 entries, one of the 1 MiB maximum (all 16 at 1 MiB would pass the 4 MiB message cap).
  const admission = [big(1 << 20), ...Array(15).fill(big(1000))];
  assert.equal(decodeHello(encodeCbor([1, mesh, big(32), [], admission])).admission.length, 16);
  const refusal = decodeHelloReply(encodeCbor([false, "a".repeat(64), "é".repeat(500)]));
  assert.equal(refusal.ok, false);
  const msg = decodeSyncMessage(
    encodeSyncMessage({ type: "entries", entries: Array(1024).fill(big(1)) }),
  );
  assert.equal(msg.type === "entries" && msg.entries.length, 1024);
});

Deno.test("decoded entries do not alias the input buffer", () => {
  const wire = encodeSyncMessage({ type: "entries", entries: [big(4)] });
  const msg = decodeSyncMessage(wire);
  wire.fill(0);
  assert.deepStrictEqual(msg, { type: "entries", entries: [big(4)] });
});

const badWrites: [string, () => unknown][] = [
  ["a hello of version 2", () => encodeHello({ ...okHello, version: 2 })],
  ["a hello with a bad mesh", () => encodeHello({ ...okHello, mesh: "My Mesh" })],
  [
    "a hello from a mistyped device",
    () => encodeHello({ ...okHello, device: ID.replace(/^./, "Z") }),
  ],
  ["heads with a mistyped author", () => encodeHeads(new Map([["nope", { seq: 1, hash: H32 }]]))],
  ["heads with seq 0", () => encodeHeads(new Map([[ID, { seq: 0, hash: H32 }]]))],
  [
    "heads naming one key in two spellings",
    () =>
      encodeHeads(
        new Map([[ID, { seq: 1, hash: H32 }], [ID.toLowerCase(), { seq: 1, hash: H32 }]]),
      ),
  ],
  ["a refusal with a newline", () => encodeHelloReply({ ok: false, code: "x", message: "a\nb" })],
  ["an entries message with no entries", () => encodeSyncMessage({ type: "entries", entries: [] })],
  [
    "an entries message over 4 MiB",
    () => encodeSyncMessage({ type: "entries", entries: Array(5).fill(big(1 << 20)) }),
  ],
  ["a done with a negative count", () => encodeSyncMessage({ type: "done", sent: -1 })],
];
for (const [name, write] of badWrites) {
  Deno.test(`encoders refuse ${name}`, () => {
    const e = assertMycelError(write);
    assert.equal(e.code, "bad_message");
    assert.match(e.message, /^Cannot write sync message: /);
  });
}
