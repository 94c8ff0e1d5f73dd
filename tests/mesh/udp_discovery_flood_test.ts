/**
 * @module udp_discovery_flood_test
 * A hostile member on the link (it holds the mesh secret: a stolen device,
 * or a removed one before its removal arrives) answers a probe in another
 * member's name from 40 addresses (127.0.0.2 … 127.0.0.41 here; an IPv6 /64
 * on a real link), each naming another sync port. Real UDP sockets on
 * loopback: the prober counts that member at no more than
 * MAX_FOUND_PER_DEVICE addresses, so a round dials no more than that for
 * it. Before, all 40 counted, and the round dialled each in turn.
 */

import assert from "node:assert/strict";
import dgram from "node:dgram";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { decodePacket, deviceTag, encodePacket, keyring } from "../../src/protocol/discovery.ts";
import { MAX_FOUND_PER_DEVICE, probe } from "../../src/transport/udp_discovery.ts";

const PROBER = deviceIdFromKey(new Uint8Array(32).fill(1));
const VICTIM = deviceIdFromKey(new Uint8Array(32).fill(2));
const SECRET = crypto.getRandomValues(new Uint8Array(32));
const SOURCES = 40;

function bound(host: string, port = 0): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    s.once("error", reject);
    s.bind(port, host, () => resolve(s));
  });
}

Deno.test("answers in one member's name from 40 addresses count at most MAX_FOUND_PER_DEVICE times", async () => {
  const listener = await bound("127.0.0.1");
  const senders = await Promise.all(
    Array.from({ length: SOURCES }, (_, i) => bound(`127.0.0.${i + 2}`)),
  );
  const sent: Promise<void>[] = [];
  listener.on("message", (msg: Uint8Array, from: dgram.RemoteInfo) => {
    const keys = keyring(SECRET, Date.now());
    const p = decodePacket(new Uint8Array(msg), keys);
    const k = keys.find((x) => x.window === p.window)!;
    senders.forEach((s, i) => {
      const answer = encodePacket(k, {
        kind: "answer",
        nonce: crypto.getRandomValues(new Uint8Array(12)),
        syncPort: 7000 + i,
        replyPort: 0,
        tag: deviceTag(k, VICTIM),
      }, p.nonce);
      sent.push(new Promise((r) => s.send(answer, p.replyPort, from.address, () => r())));
    });
  });
  try {
    const found = await probe({
      identity: { secret: SECRET, deviceId: PROBER, syncPort: 7850 },
      peers: [PROBER, VICTIM],
      targets: [{ family: 4, host: "127.0.0.1", port: listener.address().port }],
      listenMs: 1000,
    });
    await Promise.all(sent);
    assert.equal(sent.length, SOURCES, "every hostile answer went out");
    const forVictim = found.filter((f) => f.deviceId === VICTIM);
    assert.ok(forVictim.length >= 1, "the member is still found");
    assert.ok(
      forVictim.length <= MAX_FOUND_PER_DEVICE,
      `found at ${forVictim.length} addresses: ${forVictim.map((f) => f.host).join(" ")}`,
    );
  } finally {
    for (const s of [listener, ...senders]) s.close();
  }
});
