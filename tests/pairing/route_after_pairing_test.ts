/**
 * @module route_after_pairing_test
 * Right after pairing, the inviter's `status` shows the new device's route
 * as `pairing` (no sync came since), and `status --help`, which lists what
 * the route column can say, names it. Before, found by an exploration
 * helper, the help listed every other route and not this one, the first a
 * user sees. Real processes on loopback.
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";
import type { StatusJson } from "../helpers/mycel.ts";
import { device, pair } from "./_helpers.ts";

Deno.test("pairing: the inviter's status shows the route `pairing`, which status --help names", async () => {
  await using a = await device("alpha");
  await a.init();
  await using b = await tempHome("mycel-pair-route-");
  await pair(a.t, b, "beta");
  const peer = (await a.t.json<StatusJson>(["status", "--json"])).peers[0];
  assert.equal(peer.route, "pairing");
  assert.match((await a.t.ok(["status"])).stdout, /^beta +[A-Z2-7]{7} +\S+ +pairing +/m);
  const help = (await a.t.ok(["status", "--help"])).stdout.replace(/\s+/g, " ");
  assert.match(help, /pairing when one of the two paired the other and no sync came since/);
});
