/**
 * @module discovery_codec_test
 * The LAN discovery packets (src/protocol/discovery.ts): a member decodes
 * what a member encoded, in the same window or one either side; an answer
 * only for the probe it answers; nothing with another secret, a changed bit
 * or the wrong size. Every accepted packet re-encodes to the same bytes; the
 * decoder, fed anything, returns a packet or a `bad_discovery` error. What an
 * outsider sees carries no stable field: two probes from one device share
 * only the first four bytes, and tags change every window.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { toHex } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import {
  decodePacket,
  deviceTag,
  type DiscoveryPacket,
  encodePacket,
  keyring,
  PACKET_BYTES,
  tagMap,
  WINDOW_SECONDS,
  windowKeys,
} from "../../src/protocol/discovery.ts";

const SECRET = new Uint8Array(32).fill(42);
const NOW = 1_800_000_000_000;
const W = Math.floor(NOW / 1000 / WINDOW_SECONDS);
const keys = windowKeys(SECRET, W);
const nonce = (n: number) => new Uint8Array(12).fill(n);
const tag = deviceTag(keys, "device-a");

function probe(over: Partial<DiscoveryPacket> = {}): DiscoveryPacket {
  return { kind: "probe", nonce: nonce(1), syncPort: 7850, replyPort: 40000, tag, ...over };
}

const isBad = (e: unknown) => isMycelError(e, "bad_discovery");

Deno.test("a probe decodes for a member in its window and the windows either side", () => {
  const bytes = encodePacket(keys, probe());
  assert.equal(bytes.length, PACKET_BYTES);
  for (const at of [NOW, NOW + WINDOW_SECONDS * 1000, NOW - WINDOW_SECONDS * 1000]) {
    const p = decodePacket(bytes, keyring(SECRET, at));
    assert.equal(p.kind, "probe");
    assert.equal(p.window, W);
    assert.equal(p.syncPort, 7850);
    assert.equal(p.replyPort, 40000);
    assert.deepEqual(p.tag, tag);
  }
  assert.throws(() => decodePacket(bytes, keyring(SECRET, NOW + 2 * WINDOW_SECONDS * 1000)), isBad);
  assert.throws(() => decodePacket(bytes, keyring(new Uint8Array(32).fill(7), NOW)), isBad);
});

Deno.test("an answer is accepted only for the probe it answers", () => {
  const answer = encodePacket(keys, {
    kind: "answer",
    nonce: nonce(2),
    syncPort: 7000,
    replyPort: 0,
    tag,
  }, nonce(1));
  const p = decodePacket(answer, [keys], nonce(1));
  assert.equal(p.kind, "answer");
  assert.equal(p.syncPort, 7000);
  assert.throws(() => decodePacket(answer, [keys], nonce(9)), isBad);
  assert.throws(() => decodePacket(answer, [keys]), isBad);
});

Deno.test("the encoder refuses what the decoder would refuse", () => {
  const bad: [Partial<DiscoveryPacket>, Uint8Array?][] = [
    [{ replyPort: 0 }],
    [{ replyPort: 70000 }],
    [{ syncPort: -1 }],
    [{ nonce: new Uint8Array(11) }],
    [{ tag: new Uint8Array(9) }],
    [{ kind: "answer", replyPort: 5 }, nonce(1)],
    [{ kind: "answer", replyPort: 0 }],
    [{}, nonce(1)],
  ];
  for (const [over, pn] of bad) {
    assert.throws(
      () => encodePacket(keys, probe(over), pn),
      (e) => isMycelError(e, "bad_input"),
      JSON.stringify(over),
    );
  }
  assert.throws(() => windowKeys(new Uint8Array(15), W), (e) => isMycelError(e, "bad_key"));
});

const packetArb = fc.record({
  kind: fc.constantFrom("probe" as const, "answer" as const),
  nonce: fc.uint8Array({ minLength: 12, maxLength: 12 }),
  syncPort: fc.integer({ min: 0, max: 65535 }),
  replyPort: fc.integer({ min: 1, max: 65535 }),
  tag: fc.uint8Array({ minLength: 8, maxLength: 8 }),
}).map((p) => (p.kind === "answer" ? { ...p, replyPort: 0 } : p));

Deno.test("every accepted packet re-encodes to the same bytes", () => {
  fc.assert(fc.property(packetArb, fc.uint8Array({ minLength: 12, maxLength: 12 }), (p, pn) => {
    const probeNonce = p.kind === "answer" ? pn : undefined;
    const bytes = encodePacket(keys, p, probeNonce);
    const back = decodePacket(bytes, keyring(SECRET, NOW), probeNonce);
    const { window: _w, ...fields } = back;
    assert.deepEqual(encodePacket(keys, fields, probeNonce), bytes);
    assert.deepEqual(fields, { ...p });
  }));
});

Deno.test("any changed bit is refused", () => {
  const bytes = encodePacket(keys, probe());
  fc.assert(fc.property(fc.integer({ min: 0, max: PACKET_BYTES * 8 - 1 }), (bit) => {
    const copy = bytes.slice();
    copy[bit >> 3] ^= 1 << (bit & 7);
    assert.throws(() => decodePacket(copy, keyring(SECRET, NOW)), isBad);
  }));
});

Deno.test("fuzz: the decoder returns a packet or a bad_discovery error, whatever it is fed", () => {
  const ring = keyring(SECRET, NOW);
  const prefixed = fc.uint8Array({ minLength: 40, maxLength: 40 }).map((r) =>
    Uint8Array.from([0x6d, 0x79, 0x63, 0x11, ...r])
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 100 }), prefixed),
      fc.boolean(),
      (bytes, answer) => {
        try {
          decodePacket(bytes, ring, answer ? nonce(1) : undefined);
        } catch (e) {
          assert.ok(isBad(e), String(e));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("outsiders see nothing stable: probes differ past the magic, tags rotate per window", () => {
  const a = encodePacket(keys, probe({ nonce: nonce(1) }));
  const b = encodePacket(keys, probe({ nonce: nonce(2) }));
  assert.deepEqual(a.slice(0, 4), b.slice(0, 4));
  let same = 0;
  for (let i = 16; i < PACKET_BYTES; i++) if (a[i] === b[i]) same++;
  assert.ok(same < 6, `${same} of 28 body and MAC bytes repeat between two probes`);
  const next = windowKeys(SECRET, W + 1);
  assert.notEqual(toHex(deviceTag(keys, "device-a")), toHex(deviceTag(next, "device-a")));
  const ids = ["device-a", "device-b", "device-c"];
  const map = tagMap(next, ids);
  for (const id of ids) assert.equal(map.get(toHex(deviceTag(next, id))), id);
  // The device id and tag never appear in clear.
  const text = new TextDecoder("latin1").decode(a);
  assert.ok(!text.includes("device-a"));
  assert.ok(!toHex(a).includes(toHex(tag)));
});
