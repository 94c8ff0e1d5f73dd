/**
 * One device loses its underlay link: it reaches nobody (exit 3) while the
 * other two keep syncing over the mesh (exit 1: one peer is down); once the
 * link is back, one round converges.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { labTest, meshOf, sameDigests } from "./_netns.ts";

labTest("mesh: a device whose underlay is cut is unreachable, the others still sync", {
  nodes: ["a", "b", "c"],
}, async (lab) => {
  // Star pairing (b and c both join a's code): the chain is covered by
  // sync_over_mesh_test.ts.
  await meshOf(lab, "star");
  const [a, b, c] = lab.nodes;

  await c.underlay("down");
  await a.write("pref", "set", "during.cut", "from a");
  await c.write("pref", "set", "cut.off", "from c");

  const rc = await c.syncNow(5);
  assert.equal(rc.result.code, 3, describe(["sync", "now"], rc.result));
  assert.equal(rc.lines.length, 2);
  for (const l of rc.lines) assert.equal(l.status, "unreachable", JSON.stringify(l));

  for (const [n, other] of [[a, b], [b, a]]) {
    const r = await n.syncNow(6);
    assert.equal(r.result.code, 3, describe(["sync", "now"], r.result)); // partial round
    const byName = new Map(r.lines.map((l) => [l.name, l]));
    assert.equal(byName.get(other.name)?.status, "synced", r.result.stdout);
    assert.equal(byName.get(other.name)?.path, "mesh", r.result.stdout);
    assert.equal(byName.get("c")?.status, "unreachable", r.result.stdout);
  }
  const [da, db] = await sameDigests([a, b]);
  assert.equal(da, db, "a and b should have synced with each other");
  assert.notEqual(await c.digest(), da);

  await c.underlay("up");
  const back = await c.syncNow(10);
  assert.equal(back.result.code, 0, describe(["sync", "now"], back.result));
  for (const l of back.lines) assert.equal(l.status, "synced", JSON.stringify(l));
  const after = await sameDigests(lab.nodes);
  assert.equal(new Set(after).size, 1, `digests differ after one round: ${after.join(" ")}`);
  const prefs = await b.json<Record<string, unknown>>(["pref", "list", "--json"]);
  assert.ok(JSON.stringify(prefs).includes("from c"), JSON.stringify(prefs));
});
