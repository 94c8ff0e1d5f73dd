/**
 * @module sync_arbs
 * fast-check arbitraries of valid sync protocol values (version 2): heads
 * rows, handshake payloads and every post-handshake message, shared by the
 * codec, limit and fuzz tests.
 */

import { hasUnsafeText } from "../../src/text_safety.ts";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Hello, HelloReply } from "../../src/protocol/sync_hello.ts";
import { SYNC_PROTOCOL_VERSION } from "../../src/protocol/sync_fields.ts";
import type { Head } from "../../src/protocol/sync_heads.ts";
import type { SyncMessage } from "../../src/protocol/sync_messages.ts";

/** fc.record makes null-prototype objects by default; decoders make plain ones. */
export const plain = { noNullPrototype: true } as const;

export const keyBytesArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
export const deviceKeyArb: fc.Arbitrary<DeviceKey> = keyBytesArb.map((b) => DeviceKey.of(b));
export const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
export const seqArb = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 1 }),
  fc.maxSafeNat().map((n) => n || 1),
);

/** Heads rows strictly ascending by key (the wire order). */
export const headRowsArb: fc.Arbitrary<[DeviceKey, Head][]> = fc
  .uniqueArray(fc.tuple(deviceKeyArb, seqArb, hashArb), { selector: ([k]) => k, maxLength: 6 })
  .map((rows) =>
    rows.sort(([a], [b]) => a.compare(b)).map((
      [k, seq, hash],
    ): [DeviceKey, Head] => [k, { seq, hash }])
  );

export const codeArb = fc.stringMatching(/^[a-z_]{1,64}$/);
/** Text a peer may send: well-formed, terminal-safe (src/text_safety.ts), at most 500 code units. */
export const textArb = fc.oneof(
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
).filter((s) => s.length <= 500 && s.isWellFormed() && !hasUnsafeText(s));

export const entryListArb = (min: number, max: number) =>
  fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: min, maxLength: max });

export const helloArb: fc.Arbitrary<Hello> = fc.record({
  version: fc.constant(SYNC_PROTOCOL_VERSION),
  admission: entryListArb(0, 16),
}, plain);

export const replyArb: fc.Arbitrary<HelloReply> = fc.oneof(
  fc.record({ ok: fc.constant(true as const), version: fc.constant(SYNC_PROTOCOL_VERSION) }, plain),
  fc.record({ ok: fc.constant(false as const), code: codeArb, message: textArb }, plain),
);

const observedArb = fc.oneof(
  fc.constant(""),
  fc.ipV4().map((ip) => `${ip}:7850`),
  fc.constantFrom("[fd00::1]:7850", "[fe80::1%eth0]:1", "10.0.0.1:65535", "host-a.lan:1"),
);

export const syncMessageArb: fc.Arbitrary<SyncMessage> = fc.oneof(
  fc.record({
    type: fc.constant("hi" as const),
    now: fc.oneof(fc.nat(), fc.maxSafeNat()),
    digest: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    ports: fc.array(fc.integer({ min: 1, max: 65535 }), { maxLength: 8 }),
    observed: observedArb,
    seen: fc.array(
      fc.record({
        device: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => DeviceKey.of(b)),
        endpoint: fc.oneof(
          fc.ipV4().map((ip) => `${ip}:51871`),
          fc.constantFrom("[fd00::1]:1", "[2001:db8::7]:65535"),
        ),
      }, plain),
      { maxLength: 15 },
    ),
    mesh: fc.stringMatching(/^[a-z0-9-]{1,64}$/),
    // What the hi says the sender takes (absent: an earlier release).
    abilities: fc.integer({ min: 1, max: 65535 }),
  }, { ...plain, requiredKeys: ["type", "now", "digest", "ports", "observed", "seen", "mesh"] }),
  fc.record({ type: fc.constant("heads" as const), rows: headRowsArb, last: fc.boolean() }, plain),
  fc.record({
    type: fc.constant("checkpoint" as const),
    chunk: fc.uint8Array({ maxLength: 64 }),
    last: fc.boolean(),
  }, plain),
  fc.record({
    type: fc.constantFrom("parts_head" as const, "part" as const),
    chunk: fc.uint8Array({ maxLength: 64 }),
    last: fc.boolean(),
  }, plain),
  fc.constant({ type: "checkpoint_wait" as const }),
  fc.record({ type: fc.constant("entries" as const), entries: entryListArb(1, 20) }, plain),
  fc.record({
    type: fc.constant("end" as const),
    sent: fc.oneof(fc.nat(), fc.maxSafeNat()),
    more: fc.boolean(),
  }, plain),
  fc.record({
    type: fc.constant("ack" as const),
    accepted: fc.oneof(fc.nat(), fc.maxSafeNat()),
    refused: fc.nat(),
  }, plain),
  fc.record({ type: fc.constant("error" as const), code: codeArb, message: textArb }, plain),
);

/** The wire tag of each message type. */
export const WIRE_TAGS = {
  hi: "hi",
  heads: "hd",
  checkpoint: "cp",
  parts_head: "cph",
  part: "cpp",
  checkpoint_wait: "cpw",
  entries: "en",
  end: "end",
  ack: "ack",
  error: "err",
} as const;
