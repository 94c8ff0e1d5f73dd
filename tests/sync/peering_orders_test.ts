/**
 * Manual peering never splits a mesh. Four devices, each with its own
 * (random) mesh id, print their `mesh card`s first; then one machine (the
 * hub) adds the three other cards and each other adds the hub's, in a
 * seeded random order. Cards printed first name the mesh their device was
 * in then, so right after the adds the devices may disagree on the mesh id.
 * After one round (the hub's `sync now`, then each other's) every device is
 * in one mesh with the same members and the same state digest.
 */

import assert from "node:assert/strict";
import { type Device, devices } from "./_helpers.ts";

/** A small seeded generator (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS = (Deno.env.get("PEERING_SEEDS") ?? "1,2,3,4").split(",").map(Number);

for (const seed of SEEDS) {
  Deno.test(`cards printed first, added in a random order (seed ${seed}): one mesh after one round`, async () => {
    await using devs = await devices(["hub", "x", "y", "z"]);
    const [hub, ...others] = devs.list;
    const cards = new Map<Device, string>();
    for (const d of devs.list) cards.set(d, await d.card());
    const before = new Set(
      (await Promise.all(devs.list.map((d) => d.status()))).map((s) => s.mesh.id),
    );
    assert.equal(before.size, 4, "every device starts in its own mesh");

    const adds: [Device, Device][] = [
      ...others.map((o) => [hub, o] as [Device, Device]),
      ...others.map((o) => [o, hub] as [Device, Device]),
    ];
    const random = seeded(seed);
    for (let i = adds.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [adds[i], adds[j]] = [adds[j], adds[i]];
    }
    for (const [who, whose] of adds) {
      const r = await who.run(["--no-sync", "mesh", "add-peer", cards.get(whose)!]);
      assert.equal(r.code, 0, `${who.name} adds ${whose.name}'s card: ${r.stderr}`);
    }

    await Promise.all(devs.list.map((d) => d.serve()));
    for (const d of [hub, ...others]) {
      const round = await d.syncNow();
      assert.equal(round.result.code, 0, `${d.name}: ${round.result.stdout}${round.result.stderr}`);
    }
    const st = await Promise.all(devs.list.map((d) => d.status()));
    assert.equal(
      new Set(st.map((s) => s.mesh.id)).size,
      1,
      `mesh ids: ${st.map((s) => s.mesh.id)}`,
    );
    assert.ok([...before].includes(st[0].mesh.id), "the mesh is one of the original ones");
    for (const s of st) assert.equal(s.mesh.devices, 4);
    await devs.assertConverged();
  });
}
