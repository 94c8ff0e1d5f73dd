/**
 * @module kept_source_test
 * A file version that comes back after the change that replaced it was set
 * aside — its device was removed with a cut below that change — is taken
 * from the copy this device kept under `.mycel/versions` when it applied
 * the change, with real processes. Before, no device that stays held the
 * content any more and every device waited for it for good (exit 3 every
 * round; a chaos soak: cut_deletion_stuck).
 */

import assert from "node:assert/strict";
import { devices, listTree, put, rounds, sharedFolder, syncNow, text } from "./_helpers.ts";

Deno.test("a deletion set aside by a removal's cut brings the file back from the copy kept when it was applied", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "base.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  await b.stopServer(); // b is away
  await put(ra, "p.txt", "made on a\n");
  await rounds([a, c, a, c], 1); // c fetches p.txt
  assert.equal(await text(rc, "p.txt"), "made on a\n");
  await Deno.remove(`${rc}/p.txt`);
  await rounds([c, a, a], 1); // c deletes it; a applies the deletion (keeps its copy)
  assert.equal(await text(ra, "p.txt"), undefined);
  // b, which never heard of any of it, removes c: its cut is below c's deletion.
  await b.ok(["--no-sync", "mesh", "remove", "c", "--yes"]);
  await b.serve();
  await c.stopServer();
  await rounds([b, a, b, a, b], 1);
  for (const [d, root] of [[a, ra], [b, rb]] as const) {
    const r = await syncNow(d);
    assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
    assert.deepEqual(await listTree(root), ["base.txt", "p.txt"], root);
    assert.equal(await text(root, "p.txt"), "made on a\n");
  }
});
