/**
 * Revoking a device removes it from every WireGuard interface within one
 * round, with no `mesh up` anywhere: at once on the device that ran `mesh
 * remove`, and on every other device at the end of its next `sync now`
 * (the timer's round). Its packets stop passing; the remaining devices still
 * reach each other. The removed device, once refused, drops its dead peers
 * at its own round, and `mesh up` there is refused.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { eventually, labTest, meshOf } from "./_netns.ts";

labTest("mesh: a revoked device is dropped from WireGuard and its packets stop", {
  nodes: ["a", "b", "c"],
}, async (lab) => {
  await meshOf(lab, "star");
  const [a, b, c] = lab.nodes;
  const cKey = (await c.wgDump())!.publicKey;
  const aIp = await a.meshIpv4();
  const bIp = await b.meshIpv4();
  assert.ok(await c.ping(aIp), "c should reach a before the revocation");

  const hasC = async (n: typeof a) => (await n.wgDump())!.peers.some((p) => p.publicKey === cKey);
  await a.write("mesh", "remove", "c", "--yes");
  assert.ok(!(await hasC(a)), "mesh remove left c in a's WireGuard");
  assert.ok(await hasC(b), "b dropped c before hearing of the removal");

  // Gossip: a → b.
  const round = await a.syncNow(6);
  assert.equal(round.result.code, 0, describe(["sync", "now"], round.result));
  assert.deepEqual(round.lines.map((l) => l.name), ["b"]);
  assert.ok(
    await eventually(async () => (await b.status()).mesh.revoked === 1),
    "b did not store the revocation",
  );
  // b's next round (what its timer runs) drops c from its interface.
  const bRound = await b.syncNow(6);
  assert.equal(bRound.result.code, 0, describe(["sync", "now"], bRound.result));
  for (const n of [a, b]) {
    const dump = (await n.wgDump())!;
    assert.ok(
      !(await hasC(n)),
      `${n.name} still has c as a WireGuard peer: ${JSON.stringify(dump)}`,
    );
    assert.equal(dump.peers.length, 1);
  }
  // c still has a and b configured, but they drop whatever it sends.
  assert.ok(!(await c.ping(aIp)), "c's packets still reach a");
  assert.ok(!(await c.ping(bIp)), "c's packets still reach b");
  assert.ok(await a.ping(bIp), "a no longer reaches b");
  assert.ok(await b.ping(aIp), "b no longer reaches a");

  // And c cannot sync with either any more.
  const cr = await c.syncNow(5);
  assert.notEqual(cr.result.code, 0, describe(["sync", "now"], cr.result));
  for (const l of cr.lines) assert.notEqual(l.status, "synced", JSON.stringify(l));

  // c, refused as removed, drops its dead tunnels at that round's apply
  // (before: it kept both, sending keepalives to them for good) and says so.
  const cDump = (await c.wgDump())!;
  assert.deepEqual(cDump.peers, [], `c kept its dead peers: ${JSON.stringify(cDump)}`);
  assert.deepEqual(await c.routes4(), []);
  assert.match(
    cr.result.stderr,
    new RegExp(
      `note: this device was removed .*: ${c.ifname} has no peers any more; ` +
        "`sudo mycel mesh down` removes it",
    ),
  );
  // `mesh up` there is refused, house form, changing nothing (before:
  // "updated … 2 peers", the dead tunnels put back).
  const args = ["mesh", "up", "--interface", c.ifname];
  const up = await c.run(args);
  assert.equal(up.code, 1, describe(args, up));
  assert.match(
    up.stderr,
    /^error: Cannot bring the mesh up: this device was removed from the mesh by a at /m,
  );
  assert.match(
    up.stderr,
    /^hint: Pair it again to rejoin.*`sudo mycel mesh down` removes the interface\.$/m,
  );
  assert.deepEqual((await c.wgDump())!.peers, []);
  const down = await c.ok(["mesh", "down", "--interface", c.ifname]);
  assert.equal(down.stdout.trim(), `${c.ifname} removed`);
  assert.ok(!(await c.linkExists()));
});
