/**
 * @module rejoin_test
 * A folder removed on a device and joined there again, with real processes:
 * an edit made there while it was not synced is never lost. Before, the
 * device had no index row for the path after joining again, published the
 * edit with a counter of its own it had used already (`{b: 1}`), and every
 * device — itself included — took that as older than the version it had
 * published before: the edit was overwritten everywhere, kept only under
 * `.mycel/versions`. Now the device's own counter goes above every counter
 * of its own in the folder's versions of that path.
 */

import assert from "node:assert/strict";
import {
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

Deno.test("an edit made while the folder was removed here survives joining it again (never overwritten by the older version)", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "f.txt", "from a\n"),
  });
  await syncOk(b);
  assert.equal(await text(rb, "f.txt"), "from a\n");
  // b edits and publishes; everyone has it.
  await put(rb, "f.txt", "b first edit\n");
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "f.txt"), "b first edit\n");

  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await put(rb, "f.txt", "b edit while removed\n");
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a, b, a], 1);

  // b's newer edit is on both devices (as the file, or at least as a conflict copy).
  for (const root of [ra, rb]) {
    const bodies = await Promise.all(
      (await listTree(root)).filter((p) => p.startsWith("f")).map((p) => text(root, p)),
    );
    assert.ok(bodies.includes("b edit while removed\n"), `${root}: ${bodies.join(" | ")}`);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
});
