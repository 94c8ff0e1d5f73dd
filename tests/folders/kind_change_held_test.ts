/**
 * A file whose name became a folder on this device while its deletion was
 * not published — held as a mass deletion, or its file held aside by a write
 * a kill cut short — ends once the folder state deletes that file. Before,
 * the removal found the folder at the name, took it for a local edit ("kept,
 * not deleted; the edit wins") and kept the file's index row: the held
 * deletion was reported round after round (exit 3, forever), or the round
 * ended with "1 file still to come" until the hold was settled.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import {
  type Device,
  devices,
  heldByKill,
  keptFiles,
  listTree,
  put,
  sharedFolder,
  syncNow,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

/** Rounds on `order` in turn, `n` times; the last round's outputs by device. */
async function roundsSaid(order: readonly Device[], n: number): Promise<Map<Device, string>> {
  const last = new Map<Device, string>();
  for (let i = 0; i < n; i++) {
    for (const d of order) {
      const r = await syncNow(d);
      last.set(d, describe(["sync", "now"], r));
      if (i === n - 1) assert.equal(r.code, 0, `round ${i + 1} on ${d.name}: ${last.get(d)}`);
    }
  }
  return last;
}

Deno.test("a file turned into a folder, its deletion held as a mass deletion, ends once the folder state deletes it: nothing held round after round", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  // One file: its deletion alone is more than half of the folder, so it is held.
  const [ra, rb] = await sharedFolder(devs, "docs", { seed: (ra) => put(ra, "p", "v1\n") });
  await syncOk(b);
  assert.equal(await text(rb, "p"), "v1\n");

  // On a, the file p becomes a folder p/ holding x.
  await Deno.remove(join(ra, "p"));
  await put(ra, "p/x", "inside\n");
  const first = await syncNow(a);
  assert.match(first.stderr, /the deletion is held/, describe(["sync", "now"], first));

  const said = await roundsSaid([b, a], 2);
  assert.doesNotMatch(said.get(a) ?? "", /held|changed on this device/);
  const tree = await listTree(ra);
  const copy = tree.find((p) => p.startsWith("p.sync-conflict-"));
  assert.ok(copy !== undefined, `the file's content is kept beside the folder: ${tree}`);
  assert.deepEqual(tree, [copy, "p/x"]);
  assert.equal(await text(ra, copy), "v1\n");
  assert.equal(await text(ra, "p/x"), "inside\n");
  assert.equal(await treeHash(ra), await treeHash(rb));
  for (const d of [a, b]) {
    const status = await d.ok(["folder", "status"]);
    assert.match(status.stdout, /\(this device\): in sync/, status.stdout);
    assert.doesNotMatch(status.stdout, /held/, status.stdout);
  }
});

Deno.test("a file held aside by a killed write while its name became a folder here: its removal is done, the round ends in 0 and nothing is lost", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, "p", "v1\n");
      for (const k of ["k1", "k2", "k3"]) await put(ra, k, `${k}\n`);
    },
  });
  await syncOk(b);
  // What a kill inside b's swap of p leaves: p held whole beside its empty
  // name (src/files/place_entry.ts); then b's user makes p a folder.
  const hold = ".mycel-tmp-hold-0123456789ab";
  await heldByKill(rb, "p", hold);
  await put(rb, "p/y", "made on b\n");

  await roundsSaid([b, a], 2);
  const tree = await listTree(rb);
  const copy = tree.find((p) => p.startsWith("p.sync-conflict-"));
  assert.ok(copy !== undefined, `p's content has a copy beside the folder: ${tree}`);
  assert.deepEqual(tree, ["k1", "k2", "k3", copy, "p/y"]);
  assert.equal(await text(rb, copy), "v1\n");
  assert.equal(await text(rb, "p/y"), "made on b\n");
  assert.equal(await treeHash(ra), await treeHash(rb));
  // b's round settled the hold at once (it holds the round guard): the name
  // being a folder now, the held file went to .mycel/versions, whole.
  assert.equal(await text(rb, `${hold}/p`), undefined, "the hold is settled");
  const kept = await keptFiles(rb);
  const keptP = kept.filter((f) => f.path.startsWith("p~"));
  assert.ok(keptP.length > 0, `p is kept: ${kept.map((f) => f.path)}`);
  assert.ok(keptP.map((f) => new TextDecoder().decode(f.bytes)).includes("v1\n"));
});
