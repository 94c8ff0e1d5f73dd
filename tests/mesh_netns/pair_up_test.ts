/**
 * Endpoints from the start: two devices pair by code, then `mesh up` on
 * both gives a working tunnel at once — no sync round, no `set-endpoint`.
 * The joiner introduced itself with its current address and WireGuard
 * port; the inviter put its own into the same entry that admitted it. The
 * time from the end of pairing to the first answered ping is printed (for
 * docs/benchmarks.md).
 */

import assert from "node:assert/strict";
import { labTest, pair, WG_PORT } from "./_netns.ts";

labTest("mesh: right after pairing, mesh up on both sides pings at once", {
  nodes: ["a", "b"],
}, async (lab) => {
  const [a, b] = lab.nodes;
  // a accepts sync at 7000; b is a fresh device that never ran anything.
  await a.init();
  await pair(a, b);
  const paired = performance.now();

  for (const [n, other] of [[a, b], [b, a]] as const) {
    const st = await n.status();
    assert.equal(st.peers.length, 1);
    const peer = st.peers[0];
    assert.ok(
      peer.endpoints.some((e) => e.startsWith(`${other.ip}:`)),
      `${n.name} has no address of ${other.name}: ${JSON.stringify(peer.endpoints)}`,
    );
  }
  await Promise.all([a.meshUp("--no-sync"), b.meshUp("--no-sync")]);
  for (const [n, other] of [[a, b], [b, a]] as const) {
    const dump = (await n.wgDump())!;
    assert.deepEqual(dump.peers.map((p) => p.endpoint), [`${other.ip}:${WG_PORT}`]);
  }
  const [aIp, bIp] = [await a.meshIpv4(), await b.meshIpv4()];
  const [ab, ba] = await Promise.all([a.waitPing(bIp, 15_000), b.waitPing(aIp, 15_000)]);
  const firstPing = performance.now() - paired;
  assert.ok(ab && ba, `pings right after pairing: a→b ${ab}, b→a ${ba}`);
  console.log(`pairing → both mesh up → first ping both ways: ${Math.round(firstPing)} ms`);
});
