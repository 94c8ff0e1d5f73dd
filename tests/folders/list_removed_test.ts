/**
 * `folder list` after a device that joined the folder is removed from the
 * mesh (a stolen laptop): the folder's devices leave it out, as `folder
 * status` does — listed, it read as a device that still gets the folder.
 */

import assert from "node:assert/strict";
import { devices, sharedFolder, syncOk } from "./_helpers.ts";

interface FolderListJson {
  folders: { id: string; devices: string[] }[];
  offers: { id: string; devices: string[] }[];
}

Deno.test("folder list leaves out a device removed from the mesh after it joined", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b] = devs.list;
  await sharedFolder(devs, "docs");
  await syncOk(b);
  await syncOk(a);
  const before = await a.tmp.json<FolderListJson>(["folder", "list", "--json"]);
  assert.deepEqual(before.folders[0].devices.toSorted(), ["a", "b", "c"]);

  await a.ok(["--no-sync", "mesh", "remove", "c", "--yes"]);
  const after = await a.tmp.json<FolderListJson>(["folder", "list", "--json"]);
  assert.deepEqual(after.folders[0].devices.toSorted(), ["a", "b"]);
  const text = await a.ok(["folder", "list"]);
  assert.match(text.stdout, /^docs\s+docs\s+(a, b|b, a)\s/m);
  assert.doesNotMatch(text.stdout, /\bc\b/);
});
