/**
 * @module sync_limits_test
 * Every field check of the post-handshake messages, as tables: each
 * malformed or over-limit input is `bad_message` naming the field; each
 * limit is accepted exactly at its edge; the encoder refuses what the
 * decoder refuses (we never send what a peer would refuse); non-canonical
 * CBOR is refused, so a message has one byte form.
 */

import assert from "node:assert/strict";
import { encodeCbor } from "../../src/log/cbor.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { MAX_ENTRY_BYTES } from "../../src/log/entry.ts";
import {
  MAX_BATCH_ENTRIES,
  MAX_ERROR_TEXT,
  MAX_SYNC_MESSAGE,
} from "../../src/protocol/sync_fields.ts";
import {
  decodeSyncMessage,
  encodeSyncMessage,
  MAX_CHUNK,
  type SyncMessage,
} from "../../src/protocol/sync_messages.ts";
import { assertMycelError } from "../helpers/assert.ts";

const big = (n: number, fill = 9) => new Uint8Array(n).fill(fill);
const D16 = big(16, 1);
const read = (x: unknown) => () => decodeSyncMessage(encodeCbor(x));

const BAD_READS: [string, () => unknown, RegExp][] = [
  ["not an array", read({ 0: "hi" }), /not a CBOR array/],
  ["an empty array", read([]), /fields/],
  ["an unknown type", read(["ping"]), /unknown message type/],
  ["a type in upper case", read(["HI", 1, D16, [], ""]), /unknown message type/],
  // hi
  ["hi with 4 fields", read(["hi", 1, D16, []]), /hi message/],
  ["hi now negative", read(["hi", -1, D16, [], "", [], "m"]), /now/],
  ["hi now fractional", read(["hi", 1.5, D16, [], "", [], "m"]), /now/],
  ["hi digest 15 bytes", read(["hi", 1, big(15), [], "", [], "m"]), /digest/],
  ["hi digest as text", read(["hi", 1, "x".repeat(16), [], "", [], "m"]), /digest/],
  ["hi 9 ports", read(["hi", 1, D16, Array(9).fill(1), "", [], "m"]), /ports/],
  ["hi port 0", read(["hi", 1, D16, [0], "", [], "m"]), /port/],
  ["hi port 65536", read(["hi", 1, D16, [65536], "", [], "m"]), /port/],
  ["hi ports not a list", read(["hi", 1, D16, 7850, "", [], "m"]), /ports/],
  ["hi observed with a space", read(["hi", 1, D16, [], "1.2.3.4 :1", [], "m"]), /observed/],
  ["hi observed with an escape", read(["hi", 1, D16, [], "\x1b[2J", [], "m"]), /observed/],
  ["hi observed of 65 characters", read(["hi", 1, D16, [], "1".repeat(65), [], "m"]), /observed/],
  ["hi observed not text", read(["hi", 1, D16, [], 5, [], "m"]), /observed/],
  ["hi with 5 fields (no seen list)", read(["hi", 1, D16, [], ""]), /hi message/],
  ["hi with 6 fields (no mesh)", read(["hi", 1, D16, [], "", []]), /hi message/],
  ["hi mesh id with capitals", read(["hi", 1, D16, [], "", [], "Mesh"]), /mesh id/],
  ["hi mesh id empty", read(["hi", 1, D16, [], "", [], ""]), /mesh id/],
  ["hi mesh id of 65 characters", read(["hi", 1, D16, [], "", [], "a".repeat(65)]), /mesh id/],
  ["hi seen not a list", read(["hi", 1, D16, [], "", 5, "m"]), /seen/],
  ["hi 17 seen", read(["hi", 1, D16, [], "", Array(17).fill([big(32), "1.2.3.4:5"]), "m"]), /seen/],
  [
    "hi seen key of 31 bytes",
    read(["hi", 1, D16, [], "", [[big(31), "1.2.3.4:5"]], "m"]),
    /seen device/,
  ],
  [
    "hi seen endpoint a name",
    read(["hi", 1, D16, [], "", [[big(32), "host.lan:5"]], "m"]),
    /seen endpoint/,
  ],
  [
    "hi seen endpoint with a zone",
    read(["hi", 1, D16, [], "", [[big(32), "[fe80::1%eth0]:5"]], "m"]),
    /seen endpoint/,
  ],
  [
    "hi seen endpoint not canonical",
    read(["hi", 1, D16, [], "", [[big(32), "[FD00::1]:5"]], "m"]),
    /seen endpoint/,
  ],
  [
    "hi seen item of 3",
    read(["hi", 1, D16, [], "", [[big(32), "1.2.3.4:5", 1]], "m"]),
    /seen item/,
  ],
  // heads
  ["hd with 2 fields", read(["hd", []]), /heads message/],
  ["hd last not a boolean", read(["hd", [], 1]), /last/],
  ["hd rows not a list", read(["hd", 5, true]), /heads/],
  // checkpoint
  ["cp chunk over 1 MiB", read(["cp", big(MAX_CHUNK + 1), false]), /chunk/],
  ["cp chunk as text", read(["cp", "abc", false]), /chunk/],
  ["cp last missing", read(["cp", big(1)]), /checkpoint message/],
  ["cp last as 0", read(["cp", big(1), 0]), /last/],
  // entries
  ["en with no entries", read(["en", []]), /1–1024/],
  [
    `en with ${MAX_BATCH_ENTRIES + 1} entries`,
    read(["en", Array(MAX_BATCH_ENTRIES + 1).fill(big(1))]),
    /1–1024/,
  ],
  ["en with an empty entry", read(["en", [big(0)]]), /entries\[0\]/],
  [
    "en with an entry over MAX_ENTRY_BYTES",
    read(["en", [big(MAX_ENTRY_BYTES + 1)]]),
    /entries\[0\]/,
  ],
  ["en with an entry as text", read(["en", ["entry"]]), /entries\[0\]/],
  ["en with a second field", read(["en", [big(1)], 1]), /entries message/],
  // end / ack
  ["end sent negative", read(["end", -1, false]), /sent/],
  ["end sent as text", read(["end", "3", false]), /sent/],
  ["end sent 2^53", read(["end", 2 ** 53, false]), /sent/],
  ["end without more", read(["end", 3]), /end message/],
  ["end more as text", read(["end", 3, "no"]), /more/],
  ["ack refused fractional", read(["ack", 1, 0.5]), /refused/],
  ["ack accepted null", read(["ack", null, 0]), /accepted/],
  // error
  ["err code with a dash", read(["err", "no-way", "x"]), /code/],
  ["err code of 65 characters", read(["err", "a".repeat(65), "x"]), /code/],
  ["err code empty", read(["err", "", "x"]), /code/],
  ["err text with an escape", read(["err", "no", "\x1b[31m"]), /message/],
  ["err text with a C1 CSI", read(["err", "no", "\x9b2J"]), /message/],
  ["err text with DEL", read(["err", "no", "a\x7f"]), /message/],
  [
    "err text with a lone surrogate",
    () => {
      // The bytes a lone surrogate would take in UTF-8 (ED B0 80): not valid UTF-8 at all.
      const b = encodeCbor(["err", "no", "XXX"]);
      b.set([0xed, 0xb0, 0x80], b.length - 3);
      return decodeSyncMessage(b);
    },
    /CBOR/,
  ],
  ["err text with a right-to-left override", read(["err", "no", "a\u202eb"]), /message/],
  [
    `err text of ${MAX_ERROR_TEXT + 1} characters`,
    read(["err", "no", "x".repeat(MAX_ERROR_TEXT + 1)]),
    /message/,
  ],
  // bytes
  ["an empty input", () => decodeSyncMessage(new Uint8Array()), /not valid CBOR/],
  [
    "trailing bytes",
    () => decodeSyncMessage(new Uint8Array([...encodeCbor(["end", 1, false]), 0])),
    /CBOR/,
  ],
  ["a message over 4 MiB", () => decodeSyncMessage(big(MAX_SYNC_MESSAGE + 1)), /limit/],
];

for (const [name, run, reason] of BAD_READS) {
  Deno.test(`decodeSyncMessage() refuses ${name} as bad_message`, () => {
    const e = assertMycelError(run, "bad_message", name);
    assert.match(e.message, reason);
  });
}

Deno.test("decodeSyncMessage() refuses entries that together exceed the message cap", () => {
  // 5 entries of 1 MiB: each within MAX_ENTRY_BYTES, together over 4 MiB (checked before copying).
  const e = assertMycelError(read(["en", Array(5).fill(big(MAX_ENTRY_BYTES))]), "bad_message");
  assert.match(e.message, /limit|exceed/);
});

Deno.test("decodeSyncMessage() refuses non-canonical CBOR: one message, one byte form", () => {
  const canonical = encodeCbor(["end", 5, false]);
  const variants: [string, number[]][] = [
    ["an integer with a longer head", [0x83, 0x63, 0x65, 0x6e, 0x64, 0x18, 0x05, 0xf4]],
    ["an integer as a float", [0x83, 0x63, 0x65, 0x6e, 0x64, 0xf9, 0x45, 0x00, 0xf4]],
    ["an indefinite-length array", [0x9f, 0x63, 0x65, 0x6e, 0x64, 0x05, 0xf4, 0xff]],
    ["a text with a longer length head", [0x83, 0x78, 0x03, 0x65, 0x6e, 0x64, 0x05, 0xf4]],
    ["a tagged integer", [0x83, 0x63, 0x65, 0x6e, 0x64, 0xc1, 0x05, 0xf4]],
  ];
  assert.equal(decodeSyncMessage(canonical).type, "end");
  for (const [label, bytes] of variants) {
    assertMycelError(() => decodeSyncMessage(new Uint8Array(bytes)), "bad_message", label);
  }
});

Deno.test("decodeSyncMessage() accepts every limit exactly at its edge", () => {
  const key = DeviceKey.of(big(32, 3));
  const accepted: SyncMessage[] = [
    {
      type: "hi",
      now: Number.MAX_SAFE_INTEGER,
      digest: D16,
      ports: Array(8).fill(65535),
      observed: "1".repeat(64),
      mesh: "a".repeat(64),
      seen: Array(16).fill({
        device: key,
        endpoint: "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
      }),
    },
    { type: "heads", rows: [[key, { seq: Number.MAX_SAFE_INTEGER, hash: big(32) }]], last: false },
    { type: "checkpoint", chunk: big(MAX_CHUNK), last: false },
    { type: "checkpoint", chunk: new Uint8Array(), last: true },
    { type: "entries", entries: Array(MAX_BATCH_ENTRIES).fill(big(1)) },
    { type: "entries", entries: [big(MAX_ENTRY_BYTES)] },
    { type: "end", sent: Number.MAX_SAFE_INTEGER, more: true },
    { type: "ack", accepted: 0, refused: Number.MAX_SAFE_INTEGER },
    { type: "error", code: "a".repeat(64), message: "x".repeat(MAX_ERROR_TEXT) },
  ];
  for (const m of accepted) assert.equal(decodeSyncMessage(encodeSyncMessage(m)).type, m.type);
});

const BAD_WRITES: [string, SyncMessage][] = [
  ["a digest of 15 bytes", {
    type: "hi",
    now: 1,
    digest: big(15),
    ports: [],
    observed: "",
    seen: [],
    mesh: "m",
  }],
  ["port 0", { type: "hi", now: 1, digest: D16, ports: [0], observed: "", seen: [], mesh: "m" }],
  ["an observed address with a newline", {
    type: "hi",
    now: 1,
    digest: D16,
    ports: [],
    observed: "a\n",
    seen: [],
    mesh: "m",
  }],
  ["a mesh id with a space", {
    type: "hi",
    now: 1,
    digest: D16,
    ports: [],
    observed: "",
    seen: [],
    mesh: "a b",
  }],
  ["a seen endpoint that is a name", {
    type: "hi",
    now: 1,
    digest: D16,
    ports: [],
    observed: "",
    seen: [{ device: DeviceKey.of(big(32)), endpoint: "host.lan:1" }],
    mesh: "m",
  }],
  ["a negative now", {
    type: "hi",
    now: -1,
    digest: D16,
    ports: [],
    observed: "",
    seen: [],
    mesh: "m",
  }],
  ["a chunk over 1 MiB", { type: "checkpoint", chunk: big(MAX_CHUNK + 1), last: true }],
  ["no entries", { type: "entries", entries: [] }],
  ["too many entries", { type: "entries", entries: Array(MAX_BATCH_ENTRIES + 1).fill(big(1)) }],
  ["entries over the message cap", {
    type: "entries",
    entries: Array(5).fill(big(MAX_ENTRY_BYTES)),
  }],
  ["a fractional sent", { type: "end", sent: 0.5, more: false }],
  ["a negative ack", { type: "ack", accepted: -1, refused: 0 }],
  ["an error code in upper case", { type: "error", code: "NO", message: "x" }],
  ["an error text with an escape", { type: "error", code: "no", message: "\x1b[2J" }],
  ["an unknown type", { type: "ping" } as unknown as SyncMessage],
];

for (const [name, msg] of BAD_WRITES) {
  Deno.test(`encodeSyncMessage() refuses ${name}`, () => {
    assertMycelError(() => encodeSyncMessage(msg), "bad_message", name);
  });
}
