/**
 * A file whose deletion is held here (a mass deletion waiting for
 * `folder scan --yes`) while another device edits it: the round says the
 * deletion is held, not that the file "changed on this device meanwhile
 * (kept; it will sync as a conflict)" (it was not, and no conflict came);
 * once --yes sends the deletions, the edit wins over this device's deletion
 * and arrives (docs/folders.md, Conflicts).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import {
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

Deno.test("a file whose deletion is held here while another device edits it is said as held, and arrives once --yes sends the deletions", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const names = ["k1", "k2", "k3", "k4"];
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      for (const k of names) await put(ra, k, `${k}\n`);
    },
  });
  await syncOk(b);
  // a deletes every file (held: more than half of the folder); b edits k1.
  for (const k of names) await Deno.remove(join(ra, k));
  await put(rb, "k1", "k1 edited on b\n");
  await syncNow(a);
  await syncOk(b);
  const r = await syncNow(a);
  const said = await saidAfter(a, r);
  assert.equal(r.code, 3, describe(["sync", "now"], r));
  assert.match(said, /k1: its deletion here is held with the others/, said);
  assert.doesNotMatch(said, /changed on this device/, said);
  assert.deepEqual(await listTree(ra), [], "nothing came back unasked");

  await a.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);
  for (const d of [a, b, a]) {
    const round = await syncNow(d);
    assert.equal(round.code, 0, describe(["sync", "now"], round));
  }
  assert.equal(await text(ra, "k1"), "k1 edited on b\n");
  assert.deepEqual(await listTree(rb), ["k1"]);
  assert.equal(await treeHash(ra), await treeHash(rb));
});
