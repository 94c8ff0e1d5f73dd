/**
 * A stolen member lists 16 endpoints in its own record (its right: a record
 * is its own) at addresses of the owner's LAN that nobody holds, then goes
 * away. The victim's `sync now --timeout 2` dials them all in turn (with
 * where it last reached the thief, 17 routes, every connect left hanging by
 * the missing neighbour) and gives up within its 2 s connect budget for
 * that peer. Before, each route got the deadline divided by the routes
 * left, which summed to about 2 s × ln 17: 6.9 s measured, and 29 s at the
 * default 10 s deadline.
 */

import assert from "node:assert/strict";
import { labTest, pair } from "./_netns.ts";

const DEAD = Array.from({ length: 16 }, (_, i) => `198.18.0.${100 + i}:7000`);

labTest("a member's 16 dead endpoints cost one round no more than its deadline", {
  nodes: ["victim", "thief"],
}, async (lab) => {
  const [victim, thief] = lab.nodes;
  victim.envOverrides.MYCEL_DISCOVERY = "off"; // the connect budget alone, no probe
  thief.envOverrides.MYCEL_ADDRESSES = "";
  await victim.init();
  await thief.ok(["init", "--name", thief.name]);
  await pair(victim, thief);
  await thief.ok(["--no-sync", "mesh", "set-endpoint", ...DEAD]);
  await victim.serve();
  const first = await thief.syncNow(6);
  assert.equal(first.lines.find((l) => l.name === "victim")?.status, "synced");
  const known = (await victim.status()).peers.find((p) => p.name === "thief");
  assert.deepEqual(known?.endpoints, DEAD);
  await thief.underlay("down");

  const started = performance.now();
  const r = await victim.syncNow(2);
  const ms = performance.now() - started;
  const line = r.lines.find((l) => l.name === "thief");
  assert.equal(line?.status, "unreachable", r.result.stdout);
  assert.ok(ms < 4_000, `the round took ${Math.round(ms)} ms for one dead peer (deadline 2 s)`);
});
