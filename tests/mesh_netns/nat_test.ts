/**
 * NAT traversal through the user's own devices. a and b sit behind two NAT
 * routers (nftables masquerade; unsolicited packets from outside dropped,
 * as home routers do); c has a public address and reaches both. Nobody
 * types an endpoint: c's WireGuard sees where each NAT maps the other's
 * tunnel, each sync session with c tells a and b that (the `hi`'s `seen`),
 * both point their tunnels there and send at once — a direct WireGuard
 * handshake between the NATed devices, and sync goes straight through it.
 * With both NATs symmetric (a random public port per flow) no direct path
 * exists: a and b still sync, relayed through c, and `status` says so.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import {
  eventually,
  IN_CI,
  type Lab,
  labTest,
  missingNft,
  type Node,
  pair,
  WG_PORT,
} from "./_netns.ts";

const NO_NFT = await missingNft();

/** c public, a and b behind their NATs; paired through c; servers and tunnels up. */
async function natLab(lab: Lab, symmetric: boolean): Promise<[Node, Node, Node]> {
  if (NO_NFT) {
    throw new Error(`nft is missing (scripts/install_test_deps.sh installs nftables): ${NO_NFT}`);
  }
  const c = lab.node("c");
  const a = await lab.addNatted("a", 1, symmetric);
  const b = await lab.addNatted("b", 2, symmetric);
  await c.init();
  for (const n of [a, b]) await n.ok(["init", "--name", n.name]);
  await pair(c, a);
  await pair(c, b);
  await Promise.all([a, b, c].map((n) => n.serve()));
  await Promise.all([a, b, c].map((n) => n.meshUp("--no-sync")));
  const cIp = await c.meshIpv4();
  // Each NATed device's tunnel to the public one comes up (its NAT maps it).
  for (const n of [a, b]) {
    const ok = await n.waitPing(cIp, 20_000);
    if (!ok) {
      console.log(JSON.stringify([await n.wgDump(), await c.wgDump(), await n.status()], null, 1));
    }
    assert.ok(ok, `${n.name} cannot reach c`);
  }
  return [a, b, c];
}

async function round(n: Node): Promise<void> {
  const r = await n.syncNow(6);
  assert.ok([0, 3].includes(r.result.code), describe(["sync", "now"], r.result));
}

function natTest(name: string, fn: (lab: Lab) => Promise<void>): void {
  if (NO_NFT && !IN_CI) {
    console.log(`mesh_netns: skipping "${name}": ${NO_NFT}`);
    return;
  }
  labTest(name, { nodes: ["c"] }, fn);
}

natTest(
  "nat: two devices behind different NATs get a direct WireGuard path through their own server",
  async (lab) => {
    const [a, b, c] = await natLab(lab, false);
    const [aIp, bIp] = [await a.meshIpv4(), await b.meshIpv4()];
    const bKey = (await b.wgDump())!.publicKey;
    // c's round records where its WireGuard sees a and b (their NATs' mappings).
    await round(c);
    // a and b each sync with c and are told where the other is; their applies point the tunnels there.
    await round(a);
    await round(b);
    const toB = (await a.wgDump())!.peers.find((p) => p.publicKey === bKey)!;
    assert.equal(toB.endpoint, `198.18.0.102:${WG_PORT}`, "a was not told b's NAT mapping");
    // Both send at once: the handshake goes straight between the NATs.
    const [ab, ba] = await Promise.all([a.waitPing(bIp, 40_000), b.waitPing(aIp, 40_000)]);
    assert.ok(ab && ba, `no direct tunnel: a→b ${ab}, b→a ${ba}`);
    const direct = (await a.wgDump())!.peers.find((p) => p.publicKey === bKey)!;
    assert.ok(
      direct.latestHandshake > 0 && direct.endpoint?.startsWith("198.18.0.102:"),
      JSON.stringify(direct),
    );
    // And sync goes through it, no longer through c (within two rounds: b's
    // record, with the port its server listens on, reaches a through c first).
    await a.write("pref", "set", "from.a", "direct");
    let line;
    for (let i = 0; i < 2 && line?.status !== "synced"; i++) {
      line = (await a.syncNow(6)).lines.find((l) => l.name === "b")!;
    }
    assert.equal(line!.status, "synced", JSON.stringify(line));
    assert.equal(line!.path, "mesh");
    assert.ok(
      await eventually(async () =>
        (await b.json<string>(["pref", "get", "from.a", "--json"])) === "direct"
      ),
    );
    const st = (await a.status()).peers.find((p) => p.name === "b")!;
    assert.equal(st.path, "direct");
    assert.equal(st.relayed_via, null);
    // c told them: its own view still has both tunnels.
    assert.equal((await c.wgDump())!.peers.filter((p) => p.latestHandshake > 0).length, 2);
  },
);

natTest(
  "nat: behind symmetric NATs no direct path exists; a and b sync relayed through c, and status says so",
  async (lab) => {
    const [a, b, c] = await natLab(lab, true);
    await a.write("pref", "set", "from.a", "relayed");
    for (const n of [c, a, b, c, a, b]) await round(n);
    assert.equal(await b.json<string>(["pref", "get", "from.a", "--json"]), "relayed");
    const aKey = (await a.wgDump())!.publicKey;
    const toA = (await b.wgDump())!.peers.find((p) => p.publicKey === aKey)!;
    assert.ok(!(toA.latestHandshake > 0), `an unexpected direct tunnel: ${JSON.stringify(toA)}`);
    const cId = (await c.status()).device.id;
    for (const [n, other] of [[a, b], [b, a]] as const) {
      const p = (await n.status()).peers.find((x) => x.name === other.name)!;
      assert.equal(p.path, "relayed", `${n.name} → ${other.name}: ${JSON.stringify(p)}`);
      assert.deepEqual(p.relayed_via, { id: cId, name: "c" });
    }
    const table = await a.ok(["status"]);
    assert.match(table.stdout, /^b .* relayed via c /m);
  },
);
