/**
 * @module removal_race_test
 * Two devices that remove each other while apart (the owner on both, or a
 * thief racing the owner) end up removed everywhere, with real processes:
 * each removal reaches a different part of the mesh first (where the other
 * device is then refused), the two parts meet and fold again from scratch
 * (src/log/removals.ts: a race removes both), and a device that saw neither
 * removal learns both from a peer whose chains are the same as its own —
 * the removals travel as evidence, kept aside past their authors' cuts.
 * Every device ends with one state digest, and `mesh list` and `doctor` on
 * each list the entries kept aside past the cuts.
 */

import assert from "node:assert/strict";
import { type Device, devices } from "./_helpers.ts";

/** Names of the devices `d` counts as removed (`mesh list --json`). */
async function removedOn(d: Device): Promise<string[]> {
  const rows = await d.tmp.json<{ name: string; revoked: unknown }[]>(["mesh", "list", "--json"]);
  return rows.filter((r) => r.revoked !== null).map((r) => r.name).sort();
}

Deno.test("a mutual removal reaches every device, even one whose chains already match", async () => {
  await using devs = await devices(["hub", "a", "b", "c", "e"]);
  const [hub, a, b, c, e] = devs.list;
  for (const d of [a, b, c, e]) await devs.peer(hub, d);
  await hub.serve();
  for (const d of [a, b, c, e, a, b, c, e]) {
    assert.equal((await d.syncNow()).of(hub).status, "synced", d.name);
  }
  await devs.assertConverged();

  // Apart, a removes b and b removes a.
  await a.write("mesh", "remove", "b", "--yes");
  await b.write("mesh", "remove", "a", "--yes");
  await hub.stopServer();

  // a's removal reaches c, b's reaches e; then c and e meet.
  await c.serve();
  assert.equal((await a.syncNow()).of(c).status, "synced");
  await c.stopServer();
  await e.serve();
  assert.equal((await b.syncNow()).of(e).status, "synced");
  assert.equal((await c.syncNow()).of(e).status, "synced");
  await e.stopServer();
  for (const d of [c, e]) assert.deepEqual(await removedOn(d), ["a", "b"], `${d.name}: both out`);
  await devs.assertConverged([c, e]);

  // hub holds the same chains as c (the removals sit past the cuts): only the
  // evidence tells it.
  await c.serve();
  const round = await hub.syncNow();
  assert.equal(round.of(c).status, "synced");
  assert.deepEqual(await removedOn(hub), ["a", "b"]);
  await devs.assertConverged([hub, c, e]);
  // Synced again, nothing is left to say: the digests (evidence included) match.
  const again = await hub.syncNow();
  assert.equal(again.of(c).status, "synced");
  assert.equal(again.of(c).sent, 0);
  // What sits past the cuts is kept aside, and both mesh list and doctor say so.
  for (const d of [hub, c, e]) {
    const rows = await d.tmp.json<{ name: string; set_aside: { reason: string }[] }[]>([
      "mesh",
      "list",
      "--json",
    ]);
    const aside = rows.filter((r) => r.set_aside.some((x) => x.reason === "past_cut"));
    assert.deepEqual(aside.map((r) => r.name).sort(), ["a", "b"], `${d.name}: kept aside`);
    const list = await d.tmp.run(["mesh", "list"]);
    assert.match(list.stdout, /a: \d+ entr(y|ies) kept aside \(#\d+/, list.stdout);
    assert.match(list.stdout, /b: \d+ entr(y|ies) kept aside \(#\d+/, list.stdout);
    const doctor = await d.tmp.run(["doctor"]);
    assert.match(doctor.stdout, /entr(y|ies) of a \(#\d+.*kept aside/, doctor.stdout);
    assert.match(doctor.stdout, /entr(y|ies) of b \(#\d+.*kept aside/, doctor.stdout);
  }
});
