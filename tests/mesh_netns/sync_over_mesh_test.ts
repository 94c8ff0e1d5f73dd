/**
 * Three devices in three network namespaces, paired by code over the
 * underlay, sync over the WireGuard mesh (wireguard-go).
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { labTest, meshOf, sameDigests, SYNC_PORT } from "./_netns.ts";

labTest("mesh: three namespaces ping and sync over the tunnel", {
  nodes: ["a", "b", "c"],
}, async (lab) => {
  await meshOf(lab);
  const nodes = lab.nodes;
  const ipv4 = new Map<string, string>();
  for (const n of nodes) ipv4.set(n.name, await n.meshIpv4());
  for (const [name, addr] of ipv4) {
    assert.match(addr, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.\d+$/, `${name}: ${addr}`);
  }

  // Every device pings every other one's mesh IPv4 through the tunnel.
  for (const n of nodes) {
    for (const m of nodes) {
      if (m === n) continue;
      assert.ok(await n.ping(ipv4.get(m.name)!), `${n.name} cannot ping ${m.name}'s mesh address`);
    }
  }

  for (const n of nodes) await n.write("pref", "set", `from.${n.name}`, `hello ${n.name}`);
  for (const n of nodes) {
    const args = ["sync", "now", "--timeout", "8"];
    const r = await n.run(args);
    assert.equal(r.code, 0, describe(args, r));
    const lines = r.stdout.trim().split("\n");
    assert.equal(lines.length, nodes.length - 1, describe(args, r));
    for (const line of lines) {
      assert.match(
        line,
        new RegExp(
          `: synced: (sent \\d+ entr(y|ies), received \\d+ entr(y|ies)|up to date) via mesh ` +
            `100\\.[\\d.]+:${SYNC_PORT}$`,
        ),
        describe(args, r),
      );
    }
  }

  const digests = await sameDigests(nodes);
  assert.equal(new Set(digests).size, 1, `digests differ: ${digests.join(" ")}`);

  for (const n of nodes) {
    const st = await n.status();
    assert.equal(st.mesh.interface, n.ifname);
    assert.equal(st.device.ipv4, ipv4.get(n.name));
    assert.match(st.device.ipv6, /^fd[0-9a-f]{2}:/);
    assert.equal(st.peers.length, nodes.length - 1);
    for (const p of st.peers) {
      assert.equal(p.addresses.ipv4, ipv4.get(p.name), `${n.name} → ${p.name}`);
      assert.ok(p.wireguard, `${n.name}: no WireGuard view of ${p.name}`);
      assert.notEqual(p.wireguard.latest_handshake, null, `${n.name} → ${p.name}`);
      assert.ok(p.wireguard.handshake_age_s! >= 0 && p.wireguard.handshake_age_s! < 120);
      assert.equal(p.wireguard.endpoint, `${lab.node(p.name).ip}:51871`);
      assert.ok(p.wireguard.rx_bytes > 0 && p.wireguard.tx_bytes > 0);
      assert.equal(p.last_error, null);
    }
  }
});
