/**
 * @module discovery_bench
 * CPU cost of LAN discovery packets (src/protocol/discovery.ts), beside a
 * baseline of one bare HMAC-SHA256 over the 28 authenticated bytes — the
 * least any authenticated packet costs. A responder decodes every probe on
 * its link; the worst case is a packet from another mesh (three windows
 * tried, no match). The prober derives three window keys once per round.
 * Bytes and packets per round are fixed by the format and counted in
 * tests/mesh_netns/discovery_test.ts (see docs/discovery.md).
 *
 *     deno bench -A bench/discovery_bench.ts
 */

import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  decodePacket,
  deviceTag,
  encodePacket,
  keyring,
  windowKeys,
} from "../src/protocol/discovery.ts";

const SECRET = new Uint8Array(32).fill(5);
const NOW = 1_800_000_000_000;
const ring = keyring(SECRET, NOW);
const [keys] = ring;
const tag = deviceTag(keys, "device-a");
const nonce = new Uint8Array(12).fill(1);
const probe = encodePacket(keys, { kind: "probe", nonce, syncPort: 7850, replyPort: 40000, tag });
const stranger = encodePacket(windowKeys(new Uint8Array(32).fill(6), keys.window), {
  kind: "probe",
  nonce,
  syncPort: 7850,
  replyPort: 40000,
  tag,
});
const answer = encodePacket(keys, {
  kind: "answer",
  nonce: new Uint8Array(12).fill(2),
  syncPort: 7850,
  replyPort: 0,
  tag,
}, nonce);
const macKey = new Uint8Array(32).fill(9);

Deno.bench({
  name: "baseline: one HMAC-SHA256 over 28 bytes",
  group: "packet",
  baseline: true,
  fn() {
    hmac(sha256, macKey, probe.subarray(0, 28));
  },
});

Deno.bench({ name: "encode a probe", group: "packet" }, () => {
  encodePacket(keys, { kind: "probe", nonce, syncPort: 7850, replyPort: 40000, tag });
});

Deno.bench({ name: "decode a member's probe (current window)", group: "packet" }, () => {
  decodePacket(probe, ring);
});

Deno.bench({ name: "decode an answer to our probe", group: "packet" }, () => {
  decodePacket(answer, ring, nonce);
});

Deno.bench({ name: "refuse another mesh's probe (3 windows tried)", group: "packet" }, () => {
  try {
    decodePacket(stranger, ring);
  } catch {
    // expected
  }
});

Deno.bench({ name: "derive the three window keys (once per round)", group: "round" }, () => {
  keyring(SECRET, NOW);
});

Deno.bench({ name: "tags of 50 devices (prober maps answers)", group: "round" }, () => {
  for (let i = 0; i < 50; i++) deviceTag(keys, `device-${i}`);
});
