/**
 * A laptop moves and nobody types anything. b's address changes while both
 * devices run what their timer runs each round (`mesh up`, then `sync
 * now`, as `service install --mesh` does); the unmoved side goes first,
 * the worst case. Within two rounds of each side: sync works both ways and
 * the tunnel answers pings; b's record names its new address (it signs
 * that itself); and `mesh up` on a keeps b's new endpoint, never the stale
 * one. Times from the address change to the first sync and the first ping
 * are printed (docs/benchmarks.md).
 */

import assert from "node:assert/strict";
import { labTest, meshOf, type Node, sh, WG_PORT } from "./_netns.ts";

const MOVED = "198.18.0.12";

/** One timer round on `n`: mesh up, then sync now. Returns whether every peer synced. */
async function timerRound(n: Node): Promise<boolean> {
  await n.run(["--no-sync", "mesh", "up", "--interface", n.ifname]);
  const r = await n.syncNow(6);
  return r.result.code === 0 && r.lines.every((l) => l.status === "synced");
}

labTest("mesh: a moved laptop syncs and pings again within two rounds of each side", {
  nodes: ["a", "b"],
}, async (lab) => {
  await meshOf(lab, "star");
  const [a, b] = lab.nodes;
  const [aIp, bIp] = [await a.meshIpv4(), await b.meshIpv4()];
  const bKey = (await b.wgDump())!.publicKey;
  const endpointOfB = async () =>
    (await a.wgDump())!.peers.find((p) => p.publicKey === bKey)!.endpoint;

  await b.underlay("down");
  await sh("ip", ["-n", b.ns, "address", "del", `${b.ip}/24`, "dev", "eth0"]);
  await sh("ip", ["-n", b.ns, "address", "add", `${MOVED}/24`, "dev", "eth0"]);
  await b.underlay("up");
  const moved = performance.now();

  let firstSync: number | undefined;
  let firstPing: number | undefined;
  let rounds = 0;
  for (; rounds < 2; rounds++) {
    const aSynced = await timerRound(a);
    const bSynced = await timerRound(b);
    if ((aSynced || bSynced) && firstSync === undefined) firstSync = performance.now() - moved;
    const pinged = (await a.ping(bIp)) && (await b.ping(aIp));
    if (pinged && firstPing === undefined) firstPing = performance.now() - moved;
    if (aSynced && bSynced && pinged) break;
  }
  assert.ok(rounds < 2, "sync or ping did not recover within two rounds of each side");
  assert.ok(
    (await b.status()).device.endpoints.some((e) => e.startsWith(`${MOVED}:`)),
    "b did not put its new address in its record",
  );
  const seen = (await a.status()).peers[0].endpoints;
  assert.ok(seen.some((e) => e.startsWith(`${MOVED}:`)), JSON.stringify(seen));
  assert.ok(!seen.some((e) => e.startsWith(`${b.ip}:`)), `a still lists b's old address: ${seen}`);
  assert.equal(await endpointOfB(), `${MOVED}:${WG_PORT}`);
  // mesh up (and the apply after a round) never brings back the stale endpoint.
  await a.meshUp("--no-sync");
  await a.syncNow(6);
  assert.equal(await endpointOfB(), `${MOVED}:${WG_PORT}`);
  // Nor does making the interface again: the newest good endpoint goes first.
  await a.ok(["--no-sync", "mesh", "down", "--interface", a.ifname]);
  await a.meshUp("--no-sync");
  assert.equal(await endpointOfB(), `${MOVED}:${WG_PORT}`);
  assert.ok(await a.waitPing(bIp), "a cannot reach b after making its interface again");
  console.log(
    `address change → first sync ${Math.round(firstSync!)} ms, first ping both ways ${
      Math.round(firstPing!)
    } ms (${rounds + 1} round(s) of each side)`,
  );
});
