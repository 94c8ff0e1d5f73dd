/**
 * A laptop moves behind another NAT. c has a public address; d (a desktop)
 * and l (the laptop) sit behind two NATs and have a direct tunnel, found
 * through c (nat_test.ts). Then l is taken behind a third NAT. l's packets
 * to d's NAT mapping are dropped there (d never sent to l's new one), and
 * d keeps sending to l's old NAT, where nothing maps any more. The last
 * handshake is under 3 minutes old, so WireGuard's endpoints count as live
 * and c's hint (where it now sees l) was ignored: the direct tunnel stayed
 * dead for about 3 minutes, and d's rounds reached l only through c.
 *
 * Now d's own round sees that nothing comes back through the tunnel (its
 * connect to l's mesh address times out), and with that evidence of its
 * own the apply after the round acts on c's hint: the tunnel is back within
 * a round or two.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { IN_CI, labTest, missingNft, type Node, pair, WG_PORT } from "./_netns.ts";

const NO_NFT = await missingNft();
/** How long the direct tunnel may take to come back after the move (ms). */
const BACK_WITHIN_MS = 60_000;

async function round(n: Node): Promise<void> {
  const r = await n.syncNow(4);
  assert.ok([0, 3].includes(r.result.code), describe(["sync", "now"], r.result));
}

const name =
  "nat: a laptop that moves behind another NAT gets its direct tunnel to a NATed desktop back within a minute, not after the old handshake's 3 minutes";
if (NO_NFT && !IN_CI) {
  console.log(`mesh_netns: skipping "${name}": ${NO_NFT}`);
} else {
  labTest(name, { nodes: ["c"] }, async (lab) => {
    const c = lab.node("c");
    const d = await lab.addNatted("d", 1);
    const l = await lab.addNatted("l", 2);
    await c.init();
    for (const n of [d, l]) await n.ok(["init", "--name", n.name]);
    await pair(c, d);
    await pair(c, l);
    await Promise.all([c, d, l].map((n) => n.serve()));
    await Promise.all([c, d, l].map((n) => n.meshUp("--no-sync")));
    const [cIp, dIp, lIp] = [await c.meshIpv4(), await d.meshIpv4(), await l.meshIpv4()];
    for (const n of [d, l]) assert.ok(await n.waitPing(cIp, 20_000), `${n.name} cannot reach c`);
    // The direct tunnel d ↔ l, through c's hints.
    for (const n of [c, d, l]) await round(n);
    const direct = await Promise.all([d.waitPing(lIp, 40_000), l.waitPing(dIp, 40_000)]);
    assert.deepEqual(direct, [true, true], "no direct tunnel before the move");
    const lKey = (await l.wgDump())!.publicKey;
    const toL = async () => (await d.wgDump())!.peers.find((p) => p.publicKey === lKey)!;
    assert.equal((await toL()).endpoint, `198.18.0.102:${WG_PORT}`);

    await lab.moveBehindNat(l, 3);
    const moved = Date.now();
    let back = false;
    while (!back && Date.now() - moved < BACK_WITHIN_MS) {
      // Each device's timer: l's round reaches c (which sees l's new
      // mapping), c's records it, d's round is told it and tries l.
      for (const n of [l, c, d]) await round(n);
      back = (await d.ping(lIp, 1)) && (await l.ping(dIp, 1));
    }
    const took = Math.round((Date.now() - moved) / 1000);
    const now = await toL();
    console.log(
      `direct tunnel ${back ? "back" : "still dead"} after ${took} s: ${JSON.stringify(now)}`,
    );
    assert.ok(back, `the direct tunnel d ↔ l is still dead ${took} s after the move`);
    assert.equal(now.endpoint, `198.18.0.103:${WG_PORT}`, "d's tunnel is not at l's new NAT");
    // And d's round reaches l through it again, not through c.
    await d.write("pref", "set", "from.d", "moved");
    const line = (await d.syncNow(6)).lines.find((x) => x.name === "l");
    assert.equal(line?.status, "synced", JSON.stringify(line));
    assert.equal(line?.path, "mesh");
  });
}
