/**
 * @module behind_after_pairing_test
 * Right after pairing, each side's `status` counts the other behind from
 * the state the pairing carried, not from nothing: before, the inviter
 * showed the new device BEHIND by every entry of the mesh (3 on a fresh
 * one) and the joiner showed the inviter as "never synced", though it had
 * just taken the inviter's whole state. The bookkeeping heads (what news
 * and compaction rely on) stay what the peer proved. Real processes on
 * loopback.
 */

import assert from "node:assert/strict";
import { type StatusJson, tempHome } from "../helpers/mycel.ts";
import { device, pair } from "./_helpers.ts";

Deno.test("pairing: neither side shows the other behind by what the pairing carried, and the joiner shows the inviter synced", async () => {
  await using a = await device("alpha");
  await a.init();
  await a.t.ok(["--no-sync", "config", "set", "editor", "vim"]);
  await using b = await tempHome("mycel-pair-behind-");
  await pair(a.t, b, "beta");
  const atA = (await a.t.json<StatusJson>(["status", "--json"])).peers[0];
  assert.equal(atA.behind, 0, JSON.stringify(atA));
  const atB = (await b.json<StatusJson>(["status", "--json"])).peers[0];
  assert.equal(atB.name, "alpha");
  assert.notEqual(atB.last_sync, null, JSON.stringify(atB));
  assert.equal(atB.route, "pairing");
  // What beta wrote itself, alpha has not got yet: that much it is behind.
  const own = (await b.json<StatusJson>(["status", "--json"])).log.heads;
  const bId = (await b.json<StatusJson>(["status", "--json"])).device.id;
  assert.equal(atB.behind, own[bId]?.seq ?? 0, JSON.stringify({ atB, own }));
  assert.doesNotMatch((await b.ok(["status"])).stdout, /never synced/);
  // A change after the pairing is news the new device lacks.
  await a.t.ok(["--no-sync", "config", "set", "pager", "less"]);
  assert.equal((await a.t.json<StatusJson>(["status", "--json"])).peers[0].behind, 1);
  // After a sync the heads it proved are what count (the pairing's are dropped).
  await a.serve();
  assert.equal((await b.run(["sync", "now", "--timeout", "10"])).code, 0);
  const synced = (await a.t.json<StatusJson>(["status", "--json"])).peers[0];
  assert.notEqual(synced.route, "pairing");
  assert.equal(synced.behind, 0, JSON.stringify(synced));
});
