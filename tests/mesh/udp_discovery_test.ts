/**
 * @module udp_discovery_test
 * LAN discovery over real UDP sockets on 127.0.0.1 (no root, no network
 * namespace; tests/mesh_netns/discovery_test.ts does the real link): a probe
 * finds a known device's sync port; strangers, unknown devices and the
 * prober itself stay silent; a responder answers each probe once and at
 * most 20 a second, whatever it is fed; targets are one directed broadcast
 * per IPv4 link and the all-nodes group per IPv6 link, never loopback or a
 * tunnel's /32.
 */

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import {
  decodePacket,
  deviceTag,
  encodePacket,
  PACKET_BYTES,
  windowKeys,
} from "../../src/protocol/discovery.ts";
import {
  type Counters,
  discoveryTargets,
  MAX_ANSWERS_PER_SECOND,
  probe,
  respond,
  respondStream,
} from "../../src/transport/udp_discovery.ts";

const A = deviceIdFromKey(new Uint8Array(32).fill(1));
const B = deviceIdFromKey(new Uint8Array(32).fill(2));
const SECRET = crypto.getRandomValues(new Uint8Array(32));
const NOW = 1_800_000_000_000;
const now = () => NOW;

/** A UDP port on 127.0.0.1 that was free a moment ago. */
async function udpPort(): Promise<number> {
  const s = dgram.createSocket("udp4");
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function withResponder<T>(
  identity: { secret: Uint8Array; deviceId: string; syncPort: number },
  fn: (port: number, counters: Counters) => Promise<T>,
): Promise<T> {
  const port = await udpPort();
  const stop = new AbortController();
  const counters = { sent: 0, sentBytes: 0, received: 0 };
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const running = respond({
    identity,
    signal: stop.signal,
    port,
    now,
    counters,
    onListening: listening,
  });
  await ready;
  try {
    return await fn(port, counters);
  } finally {
    stop.abort();
    await running;
  }
}

const target = (port: number) => [{ family: 4 as const, host: "127.0.0.1", port }];

Deno.test("a probe finds a known device's address and sync port; each probe packet costs 44 bytes", async () => {
  await withResponder({ secret: SECRET, deviceId: B, syncPort: 7000 }, async (port, rc) => {
    const counters = { sent: 0, sentBytes: 0, received: 0 };
    const found = await probe({
      identity: { secret: SECRET, deviceId: A, syncPort: 7850 },
      peers: [A, B],
      targets: target(port),
      listenMs: 300,
      now,
      counters,
    });
    assert.deepEqual(found, [{ deviceId: B, host: "127.0.0.1", port: 7000 }]);
    assert.deepEqual(counters, { sent: 1, sentBytes: PACKET_BYTES, received: 1 });
    assert.deepEqual(rc, { sent: 1, sentBytes: PACKET_BYTES, received: 1 });
  });
});

Deno.test("strangers, unknown devices and the prober itself get no answer that counts", async () => {
  await withResponder({ secret: SECRET, deviceId: B, syncPort: 7000 }, async (port, rc) => {
    const ask = (secret: Uint8Array, deviceId: string, peers: string[]) =>
      probe({
        identity: { secret, deviceId, syncPort: 1 },
        peers,
        targets: target(port),
        listenMs: 200,
        now,
      });
    assert.deepEqual(await ask(crypto.getRandomValues(new Uint8Array(32)), A, [B]), []);
    assert.equal(rc.sent, 0, "B answered a probe from another mesh");
    assert.deepEqual(
      await ask(SECRET, A, [A]),
      [],
      "an answer from a device the prober does not know counted",
    );
    rc.sent = 0;
    assert.deepEqual(await ask(SECRET, B, [B]), []);
    assert.equal(rc.sent, 0, "B answered its own probe");
  });
});

Deno.test("a socket-activated responder answers each prober once, at most 20 a second, ignores garbage", async () => {
  const keys = windowKeys(SECRET, Math.floor(NOW / 300_000));
  const inbox = dgram.createSocket("udp4");
  await new Promise<void>((r) => inbox.bind(0, "127.0.0.1", () => r()));
  const replyPort = inbox.address().port;
  const answers: Uint8Array[] = [];
  inbox.on("message", (m) => answers.push(new Uint8Array(m)));
  const probeOf = (n: number, prober = `device-${n}`) =>
    encodePacket(keys, {
      kind: "probe",
      nonce: new Uint8Array(12).fill(n),
      syncPort: 1,
      replyPort,
      tag: deviceTag(keys, prober),
    });
  // Probe 1 twice (a replay), its prober's second probe (its IPv6 one), garbage, a cut probe.
  const queue = [probeOf(1), probeOf(1), probeOf(2, "device-1"), new Uint8Array(500)];
  queue.push(probeOf(3).slice(0, 43));
  for (let n = 4; n < 40; n++) queue.push(probeOf(n));
  const answered = await respondStream({
    identity: { secret: SECRET, deviceId: B, syncPort: 7000 },
    targets: [{ family: 4, host: "127.0.0.1" }],
    now,
    idleMs: 50,
    read: (buf) => {
      const next = queue.shift();
      if (next === undefined) return new Promise(() => {}); // a socket that stays quiet
      buf.set(next);
      return Promise.resolve(next.length);
    },
  });
  await new Promise((r) => setTimeout(r, 100));
  inbox.close();
  assert.equal(answered, MAX_ANSWERS_PER_SECOND);
  assert.equal(answers.length, MAX_ANSWERS_PER_SECOND);
  const first = decodePacket(answers[0], [keys], new Uint8Array(12).fill(1));
  assert.equal(first.kind, "answer");
  assert.equal(first.syncPort, 7000);
  // The replay of probe 1, the same prober's second probe, the garbage and the
  // cut probe got nothing: the second answer is probe 4's.
  assert.equal(decodePacket(answers[1], [keys], new Uint8Array(12).fill(4)).kind, "answer");
});

Deno.test("targets: a directed broadcast per IPv4 link, all-nodes per IPv6 link, no loopback or tunnel", () => {
  const t = discoveryTargets([
    { name: "lo", family: "IPv4", address: "127.0.0.1", netmask: "255.0.0.0" },
    {
      name: "lo",
      family: "IPv6",
      address: "::1",
      netmask: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    },
    { name: "eth0", family: "IPv4", address: "192.168.1.20", netmask: "255.255.255.0" },
    {
      name: "eth0",
      family: "IPv6",
      address: "fe80::1c2:3ff:fe04:506",
      netmask: "ffff:ffff:ffff:ffff::",
    },
    { name: "eth0", family: "IPv6", address: "2001:db8::20", netmask: "ffff:ffff:ffff:ffff::" },
    { name: "wlan0", family: "IPv4", address: "10.1.2.3", netmask: "255.255.0.0" },
    { name: "mycel0", family: "IPv4", address: "100.64.0.1", netmask: "255.255.255.255" },
    { name: "mycel0", family: "IPv6", address: "fd12:3456:789a::1", netmask: "ffff:ffff:ffff::" },
    { name: "p2p0", family: "IPv4", address: "10.9.9.1", netmask: "255.255.255.254" },
  ]);
  assert.deepEqual(t, [
    { family: 4, host: "192.168.1.255" },
    { family: 6, host: "ff02::1%eth0", zone: "eth0" },
    { family: 4, host: "10.1.255.255" },
  ]);
});
