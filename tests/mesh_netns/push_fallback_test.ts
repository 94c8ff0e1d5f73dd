/**
 * A write pushes its change to the peers right away. While this device's
 * mesh interface is up but the WireGuard path to a peer does not work (the
 * peer has no WireGuard endpoint yet, or UDP is blocked), the push must
 * still reach the peer over its direct endpoint, as `sync now` does.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { eventually, labTest, pair } from "./_netns.ts";

labTest("mesh: a write's push falls back to the direct route when the mesh path is dead", {
  nodes: ["a", "b"],
}, async (lab) => {
  const [a, b] = lab.nodes;
  await Promise.all([a.init(), b.init()]);
  await pair(a, b);
  await b.serve();
  // a's interface is up; b never ran `mesh up`: a's WireGuard peer for b has
  // b's endpoint from pairing, but nobody answers there, so nothing sent to
  // b's mesh address arrives.
  await a.meshUp("--no-sync");
  assert.equal((await a.wgDump())!.peers[0].endpoint, `${b.ip}:51871`);
  assert.ok(!(await b.linkExists()));

  const args = ["pref", "set", "pushed", "yes"];
  // The test helpers turn the push off (MYCEL_NO_PUSH=1); this test is about it.
  const r = await a.ok(args, { env: a.env({ MYCEL_NO_PUSH: undefined }) });
  let got = await b.run(["pref", "get", "pushed"]);
  // b stores what it received just after the session (see `eventually`).
  await eventually(async () => (got = await b.run(["pref", "get", "pushed"])).code === 0, 2000);
  assert.ok(
    got.code === 0 && got.stdout.includes("yes") && !/not reached/.test(r.stderr),
    `the push did not reach b over its direct endpoint:\n${describe(args, r)}\n` +
      `b: pref get pushed → exit ${got.code} ${got.stdout}${got.stderr}`,
  );

  // `sync now` (longer budget) does get through, over the direct route.
  const round = await a.syncNow(8);
  assert.equal(round.result.code, 0, describe(["sync", "now"], round.result));
  assert.equal(round.lines[0].path, "direct");
});
