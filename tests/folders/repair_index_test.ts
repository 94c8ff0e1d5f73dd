/**
 * @module repair_index_test
 * `repair` of a damaged home keeps what the folders synced here knew about
 * the disk (their file index, chunk places, blobs), with real processes.
 * Before, the first scan after a repair took every file for a new version
 * with no ancestry: an edit made elsewhere became a conflict copy of the
 * old content everywhere, and a deletion made elsewhere was undone.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { devices, listTree, put, rounds, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";

Deno.test("repair keeps the folders' index: changes made elsewhere and not applied yet arrive as they were, no conflict, nothing undone", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  await c.ok(["--no-sync", "pref", "set", "theme", "dark"]);
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "x.txt", "x first\n");
      await put(root, "y.txt", "y first\n");
    },
  });
  await rounds([c, b, a, b], 1);
  assert.deepEqual(await listTree(rb), ["x.txt", "y.txt"]);
  await put(ra, "x.txt", "x edited on a\n");
  await Deno.remove(`${ra}/y.txt`);
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]); // b's server takes the entries; b applies nothing yet
  // One stored entry of c's (nothing to do with the folder) damaged in b's home.
  await b.stopServer();
  const cDb = new DatabaseSync(homePaths(c.home).db, { readOnly: true });
  const cKey = cDb.prepare("SELECT v FROM meta WHERE k = 'device'").get()!.v as Uint8Array;
  cDb.close();
  const db = new DatabaseSync(homePaths(b.home).db);
  const before = db.prepare("SELECT count(*) AS n FROM file_index").get()!.n;
  db.prepare("UPDATE entries SET bytes = zeroblob(length(bytes)) WHERE author = ?").run(cKey);
  db.close();
  await b.ok(["repair"]);
  const after = new DatabaseSync(homePaths(b.home).db, { readOnly: true });
  assert.equal(after.prepare("SELECT count(*) AS n FROM file_index").get()!.n, before);
  after.close();
  await b.serve();
  const r = await syncNow(b);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  await rounds([a, b, a], 1);
  for (const root of [ra, rb]) assert.deepEqual(await listTree(root), ["x.txt"], root);
  assert.equal(await text(rb, "x.txt"), "x edited on a\n");
  await syncOk(c);
});
