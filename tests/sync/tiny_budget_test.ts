/**
 * A session budget smaller than what goes out before the entries (the fork
 * evidence, resent every session while two devices hold different branches
 * of a fork) must not stall the backlog: every session still sends at least
 * one entry, so a long enough run of rounds delivers everything. In-process
 * (src/sync over in-memory links, real SQLite homes).
 */

import assert from "node:assert/strict";
import { MemMesh, pref } from "./_mem_mesh.ts";

Deno.test("a budget smaller than the fork evidence still moves the backlog, one entry a session at least", async () => {
  await using mesh = await MemMesh.create(2, { tuning: { budget: 1 } });
  const [a, b] = mesh.devices;
  await mesh.peerAll();
  await mesh.write(a, pref("start", "1"));
  for (let i = 0; i < 4; i++) await mesh.round(a);
  assert.equal(new Set(mesh.digests()).size, 1);

  // a is restored from a backup after b got its next entry: a fork of a.
  const copy = mesh.backup(a);
  await mesh.write(a, pref("branch", "one"));
  for (let i = 0; i < 2; i++) await mesh.round(a);
  assert.equal(b.home.view.pref("branch"), "one");
  await mesh.restore(a, copy);
  await mesh.write(a, pref("branch", "two"));

  // b's backlog for a: every session also carries the evidence of a's fork.
  for (let i = 0; i < 5; i++) await mesh.write(b, pref(`b${i}`, `v${i}`));
  for (let round = 0; round < 12 && a.home.view.pref("b4") === undefined; round++) {
    await mesh.round(a);
  }
  for (let i = 0; i < 5; i++) assert.equal(a.home.view.pref(`b${i}`), `v${i}`, `b${i} reached a`);
});
