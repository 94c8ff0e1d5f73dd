/**
 * @module swap_restore_kept_test
 * A version noted "now at b.txt" whose b.txt a peer's edit replaced since is
 * put back from b.txt's kept copy, which holds that content (found by
 * content: src/sync/moved_kept_found.ts), and that copy stays kept. Before,
 * `folder restore` refused ("b.txt holds other content now") though the
 * bytes were on this disk, and left the user to look through b.txt's
 * versions (issue 13). Real processes, two devices.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { devices, keptFiles, sharedFolder, syncOk, text } from "./_helpers.ts";
import { textsSwapped } from "./_swap.ts";

Deno.test("a version now at b.txt, b.txt replaced by a peer's edit since, is put back from b.txt's kept copy", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [one] = await textsSwapped(devs.list, ra, "a.txt", "b.txt");
  // b.txt edited on a: b's round replaces it and keeps its old file (one).
  await Deno.writeTextFile(join(ra, "b.txt"), "edited on a\n");
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "b.txt"), "edited on a\n");
  const keptBefore = await keptFiles(rb);
  assert.equal(keptBefore.length, 1);

  const r = await b.run(["--no-sync", "folder", "restore", join(rb, "a.txt"), "--json"]);
  assert.equal(r.code, 0, describe(["folder", "restore"], r));
  const out = JSON.parse(r.stdout);
  assert.match(out.copied_from, /^\.mycel\/versions\/b~\d{8}-\d{6}-\d{3}\.txt$/, r.stdout);
  assert.equal(await text(rb, "a.txt"), one, "the noted content, from b.txt's kept copy");
  assert.equal(await text(rb, "b.txt"), "edited on a\n", "b.txt left as it is");
  const keptAfter = (await keptFiles(rb)).map((k) => k.path);
  for (const k of keptBefore) assert.ok(keptAfter.includes(k.path), `${k.path} still kept`);
});
