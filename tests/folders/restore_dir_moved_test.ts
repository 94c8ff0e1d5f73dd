/**
 * @module restore_dir_moved_test
 * `folder restore DIR` counts the files under DIR known only by a "now at"
 * note (src/sync/moved_kept.ts: a swap received here kept no copy of what
 * is still in the folder) as it counts those with kept copies: it puts them
 * back from where their content is, checked by content, and names each it
 * could not, after the files put back from kept copies (a note's path may
 * be one). `folder versions DIR` and `--files` list them. Before, DIR's
 * files were only its kept copies under `.mycel/versions`: a file whose
 * only version was such a note was left out, and a folder of only such
 * files was "nothing to restore" (issue 13). Real processes, two devices.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { devices, put, sharedFolder, syncOk, text } from "./_helpers.ts";
import { textsSwapped } from "./_swap.ts";

Deno.test("folder restore DIR puts back a deleted file known only by a note, copied from where its content is", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "d/c.txt", "c\n"),
  });
  // d/a.txt and x.txt swapped on a and taken by b: b notes d/a.txt's old content "now at x.txt".
  const [one, two] = await textsSwapped(devs.list, ra, "d/a.txt", "x.txt");
  assert.equal(await text(rb, "d/a.txt"), two);
  // d/c.txt deleted on a: b keeps a copy of it.
  await Deno.remove(join(ra, "d/c.txt"));
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "d/c.txt"), undefined);
  // Then b's user deletes the folder d.
  await Deno.remove(join(rb, "d"), { recursive: true });
  await b.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);

  const files = JSON.parse(
    (await b.ok(["--no-sync", "folder", "versions", join(rb, "d"), "--files", "--json"])).stdout,
  );
  assert.deepEqual(files.files, [
    { path: "d/a.txt", versions: 1 },
    { path: "d/c.txt", versions: 1 },
  ]);
  const listed = await b.ok(["--no-sync", "folder", "versions", join(rb, "d")]);
  assert.match(listed.stderr, /It is a folder with kept versions of 2 files:/, listed.stderr);

  const r = await b.run(["--no-sync", "folder", "restore", join(rb, "d")]);
  assert.equal(r.code, 0, describe(["folder", "restore"], r));
  assert.match(r.stdout, /^Restored d\/c\.txt from .+\.$/m, r.stdout);
  assert.match(
    r.stdout,
    /^Restored d\/a\.txt from .+ \(its content, copied from x\.txt\)\.$/m,
    r.stdout,
  );
  assert.match(r.stdout, /^Restored 2 deleted files under d, the newest version of each\.$/m);
  assert.equal(await text(rb, "d/a.txt"), one, "its content as noted, copied from x.txt");
  assert.equal(await text(rb, "d/c.txt"), "c\n");
  assert.equal(await text(rb, "x.txt"), one, "x.txt is left as it is");
  // Published: a gets both back.
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "d/a.txt"), one);
  assert.equal(await text(ra, "d/c.txt"), "c\n");
});

Deno.test("folder restore DIR names a noted file whose content is gone from where it was, changes nothing for it, and exits 1", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await textsSwapped(devs.list, ra, "d/a.txt", "x.txt");
  // x.txt edited on b: d/a.txt's old content is nowhere now.
  await Deno.writeTextFile(join(rb, "x.txt"), "edited\n");
  await Deno.remove(join(rb, "d"), { recursive: true });
  await b.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);

  const r = await b.run(["--no-sync", "folder", "restore", join(rb, "d"), "--json"]);
  assert.equal(r.code, 1, describe(["folder", "restore"], r));
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.restored, []);
  assert.deepEqual(out.not_restored.map((f: { path: string }) => f.path), ["d/a.txt"]);
  assert.match(out.not_restored[0].reason, /x\.txt holds other content now/);
  assert.deepEqual([out.path, out.on_disk, out.partial], ["d", 0, false]);
  assert.equal(await text(rb, "d/a.txt"), undefined, "nothing written");
  assert.equal(await text(rb, "x.txt"), "edited\n");
  const human = await b.run(["--no-sync", "folder", "restore", join(rb, "d")]);
  assert.equal(human.code, 1, describe(["folder", "restore"], human));
  assert.match(human.stderr, /^not restored: d\/a\.txt: .*x\.txt holds other content now/m);
  assert.match(
    human.stdout,
    /^Restored nothing under d: 1 deleted file could not be put back \(above\)\.$/m,
  );
  assert.match(human.stderr, /^Nothing was written for it; `mycel folder versions FILE` lists/m);
});

Deno.test("folder restore DIR puts back kept copies first, so a note's path deleted under DIR too is there to copy from", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  // Swapped on a, taken by b: d/a.txt's old content (one) is noted "now at d/b.txt".
  const [one] = await textsSwapped(devs.list, ra, "d/a.txt", "d/b.txt");
  // d/b.txt deleted on a: b keeps a copy of it (one). Then b's user deletes d/a.txt.
  await Deno.remove(join(ra, "d/b.txt"));
  await syncOk(a);
  await syncOk(b);
  await Deno.remove(join(rb, "d/a.txt"));
  await b.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);

  const r = await b.run(["--no-sync", "folder", "restore", join(rb, "d"), "--json"]);
  assert.equal(r.code, 0, describe(["folder", "restore"], r));
  const out = JSON.parse(r.stdout);
  assert.deepEqual(
    out.restored.map((f: { path: string; copied_from: string | null }) => [f.path, f.copied_from]),
    [["d/a.txt", "d/b.txt"], ["d/b.txt", null]],
    r.stdout,
  );
  assert.deepEqual(out.not_restored, []);
  assert.equal(await text(rb, "d/b.txt"), one, "from its kept copy");
  assert.equal(await text(rb, "d/a.txt"), one, "copied from d/b.txt, put back just before");
});
