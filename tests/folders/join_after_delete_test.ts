/**
 * @module join_after_delete_test
 * A device joining onto its old copy of a folder (moving from another sync
 * tool, or a backup) holds files deleted elsewhere since the folder was
 * shared. A file holding exactly what a deletion deleted is that deleted
 * file, not a new one: it stays deleted everywhere (kept on the joining
 * device under .mycel/versions), as a touch made without seeing the
 * deletion is undone (docs/folders.md). Other content at that path, an
 * edit, still comes back. Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, exists, folderOf, keptFiles, put, syncOk } from "./_helpers.ts";

Deno.test("a device joining onto an old copy does not bring back a file deleted since the folder was shared; an edited one comes back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  const ra = folderOf(a), rb = folderOf(b);
  for (const root of [ra, rb]) {
    for (const n of ["gone", "edited", "k1", "k2", "k3", "k4"]) {
      await put(root, `${n}.txt`, `${n}\n`);
    }
  }
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await Deno.remove(join(ra, "gone.txt"));
  await Deno.remove(join(ra, "edited.txt"));
  await syncOk(a);
  await put(rb, "edited.txt", "edited on b's copy\n");
  await syncOk(b);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  for (let i = 0; i < 2; i++) for (const d of [b, a]) await syncOk(d);

  assert.equal(await exists(join(ra, "gone.txt")), false, "gone.txt came back on a");
  assert.equal(await exists(join(rb, "gone.txt")), false, "gone.txt stayed on b");
  assert.ok(
    (await keptFiles(rb)).some((k) => k.path.startsWith("gone~")),
    "b's copy of gone.txt is kept",
  );
  assert.equal(await Deno.readTextFile(join(ra, "edited.txt")), "edited on b's copy\n");
  const copies = (await Array.fromAsync(Deno.readDir(ra))).filter((e) =>
    e.name.includes(".sync-conflict-")
  );
  assert.deepEqual(copies, []);
});
