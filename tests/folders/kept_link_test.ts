/**
 * @module kept_link_test
 * A synced symbolic link that was replaced or deleted is kept under
 * `.mycel/versions` as a link; `folder versions` lists it and `folder
 * restore` puts the link back — never a copy of what it points to, which
 * may be outside the folder. Found by a folder soak: such links were not
 * listed ("No kept versions"), could not be restored, and were never pruned.
 * Real process, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { tempHome } from "../helpers/mycel.ts";
import { soloFolder } from "./_helpers.ts";

Deno.test("a kept symbolic link is listed by folder versions and restored as the link, not what it points to", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  const secret = h.path("secret.txt"); // outside the folder
  await Deno.writeTextFile(secret, "not for the mesh\n");
  const kept = join(docs, versionPathFor("L", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.symlink(secret, kept);

  const listed = await h.json<{ version: number; link: boolean; path: string }[]>([
    "--no-sync",
    "folder",
    "versions",
    join(docs, "L"),
    "--json",
  ]);
  assert.deepEqual(listed.map((v) => [v.version, v.link]), [[1, true]]);
  await h.ok(["--no-sync", "folder", "restore", join(docs, "L")]);
  const back = await Deno.lstat(join(docs, "L"));
  assert.ok(back.isSymlink, "restored as a link");
  assert.equal(await Deno.readLink(join(docs, "L")), secret);
});
