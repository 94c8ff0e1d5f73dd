/**
 * @module sync_messages_test
 * The post-handshake messages of sync protocol version 2: every message
 * round-trips exactly (bytes and value), uses its short wire tag, decodes to
 * fresh copies of byte fields, and heads rows continue ascending across the
 * messages of a session. Field limits are in sync_limits_test.ts, fuzzing in
 * sync_fuzz_test.ts, the handshake payloads in sync_hello_test.ts.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import {
  MAX_BATCH_ENTRIES,
  MAX_SYNC_MESSAGE,
  SYNC_PROLOGUE,
  SYNC_PROTOCOL_VERSION,
} from "../../src/protocol/sync_fields.ts";
import {
  ABILITIES_KEY,
  ABILITY_PARTS,
  decodeSyncMessage,
  encodeSyncMessage,
  MAX_CHUNK,
  type SyncMessage,
} from "../../src/protocol/sync_messages.ts";
import { assertBytes, assertMycelError } from "../helpers/assert.ts";
import { syncMessageArb, WIRE_TAGS } from "./sync_arbs.ts";

/** A message as data (keys by hex), for deep comparison. */
const data = (m: SyncMessage) =>
  JSON.parse(JSON.stringify(m, (_k, v) => {
    if (v instanceof DeviceKey) return v.hex;
    if (v instanceof Uint8Array) return `bytes:${v.toHex()}`;
    return v;
  }));

Deno.test("every message round-trips: decode(encode(m)) is m, and re-encodes to the same bytes", () => {
  const seen = new Set<string>();
  fc.assert(
    fc.property(syncMessageArb, (m) => {
      seen.add(m.type);
      const bytes = encodeSyncMessage(m);
      const back = decodeSyncMessage(bytes);
      assert.deepStrictEqual(data(back), data(m));
      assertBytes(encodeSyncMessage(back), bytes);
    }),
    { seed: 91, numRuns: 3000 },
  );
  assert.deepEqual([...seen].sort(), Object.keys(WIRE_TAGS).sort());
});

Deno.test("each message is a CBOR array led by its short wire tag", () => {
  for (const m of fc.sample(syncMessageArb, { seed: 92, numRuns: 300 })) {
    const raw = decodeCbor(encodeSyncMessage(m), "m") as unknown[];
    assert.equal(raw[0], WIRE_TAGS[m.type]);
  }
  assert.deepEqual(
    decodeCbor(encodeSyncMessage({ type: "end", sent: 3, more: true }), "m"),
    ["end", 3, true],
  );
});

Deno.test("constants: protocol version 2, prologue unchanged since version 1, message cap 4 MiB", () => {
  assert.equal(SYNC_PROTOCOL_VERSION, 2);
  assert.equal(new TextDecoder().decode(SYNC_PROLOGUE), "mycel/sync/1");
  assert.equal(MAX_SYNC_MESSAGE, 4 << 20);
  assert.equal(MAX_BATCH_ENTRIES, 1024);
  assert.equal(MAX_CHUNK, 1 << 20);
});

Deno.test("decoded byte fields are copies: changing the input afterwards changes nothing", () => {
  const entry = new Uint8Array([1, 2, 3]);
  const chunk = new Uint8Array([4, 5]);
  const key = DeviceKey.of(new Uint8Array(32).fill(0x11));
  const inputs = [
    encodeSyncMessage({ type: "entries", entries: [entry] }),
    encodeSyncMessage({ type: "checkpoint", chunk, last: true }),
    encodeSyncMessage({
      type: "heads",
      rows: [[key, { seq: 1, hash: new Uint8Array(32).fill(2) }]],
      last: true,
    }),
    encodeSyncMessage({
      type: "hi",
      now: 1,
      digest: new Uint8Array(16).fill(3),
      ports: [],
      observed: "",
      seen: [],
      mesh: "m",
    }),
  ];
  for (const bytes of inputs) {
    const m = decodeSyncMessage(bytes);
    const before = JSON.stringify(data(m));
    bytes.fill(0xee);
    assert.equal(JSON.stringify(data(m)), before);
  }
});

Deno.test("heads rows continue ascending across the messages of a session (lastHead)", () => {
  const keys = [1, 2, 3, 4].map((b) => DeviceKey.of(new Uint8Array(32).fill(b)));
  const row = (k: DeviceKey) =>
    [k, { seq: 1, hash: new Uint8Array(32) }] as [DeviceKey, { seq: number; hash: Uint8Array }];
  const second = encodeSyncMessage({
    type: "heads",
    rows: [row(keys[2]), row(keys[3])],
    last: true,
  });
  // After a message ending with keys[1], keys[2] may follow …
  const ok = decodeSyncMessage(second, keys[1]);
  assert.ok(ok.type === "heads" && ok.rows.length === 2);
  // … but not after one ending with keys[2] or a later key.
  for (const after of [keys[2], keys[3]]) {
    const e = assertMycelError(() => decodeSyncMessage(second, after), "bad_message");
    assert.match(e.message, /sorted and distinct/);
  }
});

Deno.test("encodeSyncMessage() refuses heads rows out of order or repeated, as the peer would", () => {
  const [a, b] = [1, 2].map((x) => DeviceKey.of(new Uint8Array(32).fill(x)));
  const h = { seq: 1, hash: new Uint8Array(32) };
  assertMycelError(
    () => encodeSyncMessage({ type: "heads", rows: [[b, h], [a, h]], last: true }),
    "bad_message",
  );
  assertMycelError(
    () => encodeSyncMessage({ type: "heads", rows: [[a, h], [a, h]], last: true }),
    "bad_message",
  );
});

Deno.test("a heads message with no rows is valid (an empty log, or the last of several)", () => {
  const m = decodeSyncMessage(encodeSyncMessage({ type: "heads", rows: [], last: true }));
  assert.deepEqual(data(m), { type: "heads", rows: [], last: true });
});

Deno.test("decodeSyncMessage() refuses a message in the old version-1 vocabulary", () => {
  for (const old of [["entries", [new Uint8Array(1)]], ["done", 3], ["error", "x", "y"]]) {
    assertMycelError(() => decodeSyncMessage(encodeCbor(old)), "bad_message", String(old[0]));
  }
});

Deno.test("a seen item under the abilities' key at a tunnel's endpoint (an earlier release's, for a member admitted under that key) is a tunnel seen, not abilities, and re-encodes byte for byte", () => {
  const digest = new Uint8Array(16).fill(3);
  const member = [ABILITIES_KEY.bytes, "203.0.113.9:51871"];
  const marker = [ABILITIES_KEY.bytes, "0.0.0.0:1"];
  for (const [items, abilities] of [[[member], undefined], [[member, marker], 1]] as const) {
    const bytes = encodeCbor(["hi", 1, digest, [], "", items, "m"]);
    const hi = decodeSyncMessage(bytes);
    assert.equal(hi.type === "hi" ? hi.abilities : "not a hi", abilities);
    assert.deepEqual(hi.type === "hi" && hi.seen.map((s) => s.endpoint), ["203.0.113.9:51871"]);
    assertBytes(encodeSyncMessage(hi), bytes);
  }
  // Seen items in the abilities' form are refused on the way out (they would be read as them).
  assertMycelError(
    () =>
      encodeSyncMessage({
        type: "hi",
        now: 1,
        digest,
        ports: [],
        observed: "",
        seen: [{ device: ABILITIES_KEY, endpoint: "0.0.0.0:1" }],
        mesh: "m",
      }),
    "bad_message",
  );
});

Deno.test("a hi's abilities travel as the last item of seen, a tunnel of no member to an earlier release; a hi without them is the same bytes as before", () => {
  const base = {
    type: "hi" as const,
    now: 1,
    digest: new Uint8Array(16).fill(3),
    ports: [7850],
    observed: "",
    seen: [{ device: DeviceKey.of(new Uint8Array(32).fill(9)), endpoint: "198.18.0.2:51871" }],
    mesh: "m",
  };
  const raw = decodeCbor(
    encodeSyncMessage({ ...base, abilities: ABILITY_PARTS }),
    "m",
  ) as unknown[];
  // Seven fields, as an earlier release's strict decoder takes them; seen items as it checks them.
  assert.equal(raw.length, 7);
  const seen = raw[5] as [Uint8Array, string][];
  assert.equal(seen.length, 2);
  assertBytes(seen[1][0], ABILITIES_KEY.bytes);
  assert.equal(seen[1][1], "0.0.0.0:1");
  const back = decodeSyncMessage(encodeSyncMessage({ ...base, abilities: ABILITY_PARTS }));
  assert.equal(back.type === "hi" && back.abilities, ABILITY_PARTS);
  assert.deepEqual(back.type === "hi" && back.seen.map((s) => s.endpoint), ["198.18.0.2:51871"]);
  // Without abilities: no item added (what this release sends acting as an earlier one).
  assertBytes(
    encodeSyncMessage(base),
    encodeCbor(["hi", 1, base.digest, [7850], "", [[
      base.seen[0].device.bytes,
      base.seen[0].endpoint,
    ]], "m"]),
  );
  // Anywhere but last, or twice: one byte form per message.
  const marker = [ABILITIES_KEY.bytes, "0.0.0.0:1"];
  for (const items of [[marker, seen[0]], [marker, marker]]) {
    assertMycelError(
      () => decodeSyncMessage(encodeCbor(["hi", 1, base.digest, [], "", items, "m"])),
      "bad_message",
    );
  }
});

Deno.test("a checkpoint wait is the bare tag: any field with it is a bad message", () => {
  assert.deepEqual(decodeCbor(encodeSyncMessage({ type: "checkpoint_wait" }), "m"), ["cpw"]);
  for (const raw of [["cpw", 1], ["cpw", 1, true], ["cpw", null]]) {
    assertMycelError(() => decodeSyncMessage(encodeCbor(raw)), "bad_message", JSON.stringify(raw));
  }
});
