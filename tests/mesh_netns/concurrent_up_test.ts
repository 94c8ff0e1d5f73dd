/**
 * Two `mesh up` at once (the unit of `service install --mesh` runs one
 * before every round, and the user may run `sudo mycel mesh up` then) end
 * with the interface up, one wireguard-go recorded, and both exit 0: they
 * take turns. Before, each applied over the other: the one that created the
 * interface found the peer routes the other had just added, took them for
 * the user's (`route_taken`) and removed everything it made — interface and
 * wireguard-go — while the other reported "updated": the mesh was down and
 * one command said it was up.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { labTest, pair } from "./_netns.ts";

labTest("mesh: two mesh up at once take turns, and the interface stays up", {
  nodes: ["a", "b"],
}, async (lab) => {
  const [a, b] = lab.nodes;
  await Promise.all([a.init(), b.init()]);
  await pair(a, b);
  const args = ["--no-sync", "mesh", "up", "--interface", a.ifname];
  // The race is a matter of milliseconds: a few tries make it near certain.
  for (let i = 0; i < 4; i++) {
    const both = await Promise.all([a.run(args), a.run(args)]);
    for (const r of both) assert.equal(r.code, 0, describe(args, r));
    const said = both.map((r) => r.stdout.split(" ")[1]).sort();
    assert.deepEqual(said, ["created", "updated"], both.map((r) => r.stdout).join(""));
    assert.ok(await a.linkExists(), `try ${i}: the interface is gone after two mesh up`);
    const pids = await a.wireguardGoPids();
    assert.equal(pids.length, 1, `try ${i}: wireguard-go processes ${pids.join(", ")}`);
    assert.equal(await a.statePid(), pids[0], "the recorded wireguard-go is not the one running");
    assert.equal((await a.wgDump())!.peers.length, 1);
    await a.ok(["mesh", "down", "--interface", a.ifname]);
  }
});
