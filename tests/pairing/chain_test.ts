/**
 * @module chain_test
 * Three real devices on 127.0.0.1 pair by code in a chain — beta via alpha,
 * gamma via beta — then each makes a change and sync rounds bring all three
 * to one state. Along the way gamma syncs with alpha before alpha has seen
 * beta's `device.add` of gamma: alpha must accept it provisionally, on the
 * signed admission entry gamma presents in its hello, and take what gamma
 * holds — gamma started from beta's checkpoint, so it holds beta's entries
 * only as state — as gamma's signed checkpoint. A device accepted that way
 * is listed by `mesh list` and can be removed there like any other: its
 * next session is refused (by name), changes nothing, and the removal
 * reaches the device that admitted it.
 */

import assert from "node:assert/strict";
import type { SyncLineJson } from "../helpers/mycel.ts";
import { device, type MeshRow, pair, VERIFICATION_RE } from "./_helpers.ts";

function row(rows: MeshRow[], id: string): MeshRow {
  const r = rows.find((x) => x.id === id);
  assert.ok(r, `device ${id} missing from mesh list: ${JSON.stringify(rows, null, 1)}`);
  return r;
}

function outcome(outcomes: SyncLineJson[], id: string): SyncLineJson {
  const o = outcomes.find((x) => x.id === id);
  assert.ok(o, `no sync outcome for ${id}: ${JSON.stringify(outcomes)}`);
  return o;
}

Deno.test("pairing: three devices pair in a chain, alpha admits gamma provisionally, all converge", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await using c = await device("gamma");
  await a.init();

  // beta via alpha
  const ab = await pair(a.t, b.t, "beta");
  b.id = ab.joinerId;
  assert.match(ab.inviter.stderr, VERIFICATION_RE);
  assert.equal(ab.joinerVerification, ab.inviterVerification, "both screens show one string");
  assert.match(ab.inviter.stdout, new RegExp(`paired with beta \\(${b.id}\\)`));
  assert.match(ab.joiner.stdout, new RegExp(`paired with alpha \\(${a.id}\\)`));
  // The joiner gets the mesh's state as alpha's signed checkpoint, not its log.
  assert.match(ab.joiner.stdout, /: received the mesh's state \(2 devices\)$/m);
  await b.setEndpoint();

  // gamma via beta (alpha is not involved and not told)
  const bc = await pair(b.t, c.t, "gamma");
  c.id = bc.joinerId;
  assert.equal(bc.joinerVerification, bc.inviterVerification, "both screens show one string");
  assert.notEqual(bc.joinerVerification, ab.joinerVerification, "each pairing has its own");
  assert.match(bc.joiner.stdout, new RegExp(`paired with beta \\(${b.id}\\)`));
  assert.match(bc.joiner.stdout, /: received the mesh's state \(3 devices\)$/m);
  await c.setEndpoint();

  // Each device makes a change of its own, without pushing.
  await a.t.ok(["--no-sync", "pref", "set", "theme", "dark"]);
  await b.t.ok(["--no-sync", "config", "set", "editor.tab_size", "4"]);
  await c.t.ok(["--no-sync", "app", "add", "ripgrep"]);

  // alpha has not seen beta since pairing it: gamma is unknown there.
  assert.equal((await a.meshList()).some((r) => r.id === c.id), false);

  // gamma → alpha first (beta's server is not up yet): provisional admission.
  const serverA = await a.serve();
  const first = await c.syncNow();
  const withA = outcome(first.outcomes, a.id);
  assert.equal(
    withA.status,
    "synced",
    `alpha must accept gamma on the admission entry in its hello: ${
      JSON.stringify(withA)
    }\n--- alpha's server ---\n${serverA.stderr}`,
  );
  assert.equal(withA.checkpoint.sent, true, "gamma holds beta's entries only as state");
  await serverA.waitFor(/synced with gamma .*\+ the mesh's state/, {
    stream: "stderr",
    timeoutMs: 5000,
  });
  const gammaOnA = row(await a.meshList(), c.id);
  assert.equal(gammaOnA.admitted?.by, b.id, "alpha now knows beta admitted gamma");
  assert.equal(gammaOnA.revoked, null);

  // Full rounds until every device agrees.
  await b.serve();
  await c.serve();
  const devices = [a, b, c];
  let last: number[] = [];
  for (let round = 0; round < 3; round++) {
    last = [];
    for (const d of devices) last.push((await d.syncNow()).code);
    if (last.every((x) => x === 0)) break;
  }
  assert.deepEqual(last, [0, 0, 0], "a whole round synced with every peer");

  const statuses = await Promise.all(devices.map((d) => d.status()));
  const digests = statuses.map((s) => s.state_digest);
  assert.equal(new Set(digests).size, 1, `state digests differ: ${digests.join(" ")}`);
  for (const s of statuses) {
    assert.equal(s.mesh.devices, 3);
    assert.deepEqual(s.counts, { config: 1, preferences: 1, apps: 1, patterns: 0 });
  }

  // Who admitted whom, as alpha sees it.
  const list = await a.meshList();
  assert.equal(list.length, 3);
  assert.equal(row(list, a.id).self, true);
  assert.equal(row(list, b.id).admitted?.by, a.id);
  assert.equal(row(list, b.id).admitted?.by_name, "alpha");
  assert.equal(row(list, c.id).admitted?.by, b.id);
  assert.equal(row(list, c.id).admitted?.by_name, "beta");
  for (const r of list) assert.equal(r.revoked, null);
  const text = (await a.t.ok(["mesh", "list"])).stdout;
  assert.match(text, /gamma .* by beta /);
  assert.match(text, /beta .* by alpha /);
});

Deno.test("pairing: a device alpha accepted on a provisional admission shows in mesh list and can be removed there", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await using c = await device("gamma");
  await a.init();
  b.id = (await pair(a.t, b.t, "beta")).joinerId;
  await b.setEndpoint();
  c.id = (await pair(b.t, c.t, "gamma")).joinerId;
  await c.setEndpoint();

  // gamma reaches alpha before alpha has seen beta's admission of it.
  await a.serve();
  const first = await c.syncNow();
  assert.equal(outcome(first.outcomes, a.id).status, "synced", first.raw.stdout);
  const shown = row(await a.meshList(), c.id);
  assert.equal(shown.admitted?.by, b.id);

  // alpha removes it.
  const removed = await a.t.run(["mesh", "remove", "gamma", "--yes"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.ok(row(await a.meshList(), c.id).revoked, "alpha lists gamma as removed");
  const digestA = (await a.status()).state_digest;

  // gamma is refused by alpha from now on, and changes nothing there.
  await c.t.ok(["--no-sync", "pref", "set", "after", "removal"]);
  const again = await c.syncNow();
  const refused = outcome(again.outcomes, a.id);
  assert.equal(refused.status, "refused", JSON.stringify(refused));
  assert.match(refused.error ?? "", /removed from the mesh by alpha/);
  assert.equal(again.code, 1);
  // One code for "this device was removed", the rows' and the error's alike
  // (`removed_from_mesh` named the same condition, issue 9).
  const error = JSON.parse(again.raw.stderr.trim().split("\n").at(-1)!).error;
  assert.deepEqual([error.code, refused.code], ["removed", "removed"], again.raw.stderr);
  assert.equal((await a.status()).state_digest, digestA);

  // beta learns the removal from alpha and lists gamma as removed too.
  await b.serve();
  await a.stopServer();
  const ab = await a.syncNow();
  assert.equal(outcome(ab.outcomes, b.id).status, "synced", ab.raw.stdout);
  assert.ok(row(await b.meshList(), c.id).revoked, "beta lists gamma as removed");
});
