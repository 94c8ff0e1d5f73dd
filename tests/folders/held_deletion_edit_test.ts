/**
 * A file whose deletion is held here (a mass deletion waiting for
 * `folder scan --yes`) while another device edits it: the round says the
 * deletion is held, not that the file "changed on this device meanwhile
 * (kept; it will sync as a conflict)" (it was not, and no conflict came);
 * and it fetches nothing for it — before, every round fetched the edit again
 * and then did not write it. Once --yes sends the deletions, the edit wins
 * over this device's deletion and arrives; files the user puts back instead
 * take the edit as any file does (docs/folders.md, Conflicts).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import {
  type Device,
  type Devices,
  devices,
  listTree,
  put,
  saidAfter,
  sharedFolder,
  syncNow,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

const names = ["k1", "k2", "k3", "k4"];

/**
 * a and b share k1..k4; a deletes them all (held: more than half of the
 * folder) while b edits k1; then two rounds on a, which must fetch nothing.
 */
async function heldWhileEdited(devs: { list: Device[] }, [ra, rb]: string[]): Promise<void> {
  const [a, b] = devs.list;
  await syncOk(b);
  for (const k of names) await Deno.remove(join(ra, k));
  await put(rb, "k1", "k1 edited on b\n");
  await syncNow(a);
  await syncOk(b);
  for (const round of [1, 2]) {
    const r = await syncNow(a);
    const said = await saidAfter(a, r);
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    assert.match(said, /k1: its deletion here is held with the others/, said);
    assert.doesNotMatch(said, /changed on this device/, said);
    // The round's own figure: "N B fetched" when it fetched file content.
    assert.doesNotMatch(r.stdout, /fetched/, `round ${round}: ${said}`);
    assert.match(r.stdout, /1 file \(15 B\) still to come/, `round ${round}: ${said}`);
  }
  assert.deepEqual(await listTree(ra), [], "nothing came back unasked");
}

/** The folder shared by the first device, with `names` in it, joined by the others. */
function shareNames(devs: Devices): Promise<string[]> {
  return sharedFolder(devs, "docs", {
    seed: async (ra) => {
      for (const k of names) await put(ra, k, `${k}\n`);
    },
  });
}

/** A `sync now` on each device in turn, each exiting 0. */
async function roundsOk(list: readonly Device[]): Promise<void> {
  for (const d of list) {
    const round = await syncNow(d);
    assert.equal(round.code, 0, describe(["sync", "now"], round));
  }
}

Deno.test("a file whose deletion is held here while another device edits it is said as held, and arrives once --yes sends the deletions", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const roots = await shareNames(devs);
  const [ra, rb] = roots;
  await heldWhileEdited(devs, roots);

  await a.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);
  await roundsOk([a, b, a]);
  assert.equal(await text(ra, "k1"), "k1 edited on b\n");
  assert.deepEqual(await listTree(rb), ["k1"]);
  assert.equal(await treeHash(ra), await treeHash(rb));
});

Deno.test("files put back after their deletion was held keep the edit another device made meanwhile as a conflict copy, and nothing is deleted", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const roots = await shareNames(devs);
  const [ra, rb] = roots;
  await heldWhileEdited(devs, roots);

  for (const k of names) await put(ra, k, `${k}\n`); // from a backup
  await roundsOk([a, b, a]);
  // As before the fix: the put-back k1 is a new version concurrent with b's
  // edit, which is kept beside it as a conflict copy; both devices agree.
  const tree = await listTree(ra);
  const copy = tree.find((p) => p.startsWith("k1.sync-conflict-"));
  assert.ok(copy !== undefined, `b's edit is kept beside k1: ${tree}`);
  assert.deepEqual(tree, ["k1", copy, "k2", "k3", "k4"]);
  assert.deepEqual(
    [await text(ra, "k1"), await text(ra, copy)].sort(),
    ["k1\n", "k1 edited on b\n"],
  );
  assert.equal(await treeHash(ra), await treeHash(rb));
});
