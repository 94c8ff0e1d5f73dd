/**
 * @module moved_into_folder_test
 * A synced folder moved into another folder synced here (`mv ~/docs
 * ~/archive/docs`, before `folder move`) is told as this device's folder
 * moved there, with how to go on: its files are left out of the other
 * folder, and a folder can't sync inside another. Before, the scan said
 * "it holds the marker of folder docs (.mycel-folder) but is no folder
 * synced here — a copy of one?": wrong of a folder synced here, and it
 * pointed away from `folder move`. A copy, its folder still in place, is
 * still told as one. Real process, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";

interface ScanJson {
  folder: string;
  skipped: { path: string; reason: string }[];
}

Deno.test("a synced folder moved into another synced folder is named as this device's, with folder move", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  const archive = h.path("archive");
  await Deno.mkdir(docs);
  await Deno.mkdir(archive);
  await Deno.writeTextFile(join(docs, "a.txt"), "a\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await h.ok(["--no-sync", "folder", "add", archive, "--id", "archive"]);

  // A copy while docs is in place: a copy.
  await Deno.mkdir(join(archive, "copy"));
  await Deno.copyFile(join(docs, ".mycel-folder"), join(archive, "copy", ".mycel-folder"));
  const [copy] = await h.json<ScanJson[]>(["--no-sync", "folder", "scan", "archive", "--json"]);
  assert.deepEqual(copy.skipped.map((s) => s.path), ["copy"]);
  assert.match(copy.skipped[0].reason, /a copy of one\?/);
  await Deno.remove(join(archive, "copy"), { recursive: true });

  await Deno.rename(docs, join(archive, "docs"));
  const [moved] = await h.json<ScanJson[]>(["--no-sync", "folder", "scan", "archive", "--json"]);
  assert.deepEqual(moved.skipped.map((s) => s.path), ["docs"]);
  assert.doesNotMatch(moved.skipped[0].reason, /no folder synced here|a copy/);
  assert.match(
    moved.skipped[0].reason,
    /^it holds the marker of folder docs \(\.mycel-folder\), which this device syncs at .*\/docs, stopped there: moved here\? .*move it out of this folder, then `mycel folder move docs NEWPATH`$/,
  );
  const status = await h.run(["--no-sync", "folder", "status", "archive"]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /not synced: docs: .*which this device syncs at/);
});
