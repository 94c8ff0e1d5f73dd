/**
 * @module restore_dir_test
 * `folder restore DIR` of a folder deleted on another device puts back every
 * deleted file under it (the newest version of each), publishes them, and
 * leaves the files still on disk as they are. Before, a folder was refused
 * ("restore each file"): a deleted folder took one command per file (a
 * walkthrough, issue 13). Real processes, two devices.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { devices, put, sharedFolder, syncOk, text } from "./_helpers.ts";
import { dirDeletedOnA } from "./_deleted_dir.ts";

Deno.test("folder restore DIR of a folder deleted elsewhere puts back each deleted file under it and publishes them", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await dirDeletedOnA(devs);
  assert.equal(await text(rb, "d/a.txt"), undefined, "the round removed it here (and kept it)");

  const r = await b.run(["folder", "restore", join(rb, "d")]);
  assert.equal(r.code, 0, describe(["folder", "restore"], r));
  assert.match(r.stdout, /^Restored d\/a\.txt from .+\.$/m, r.stdout);
  assert.match(r.stdout, /^Restored d\/sub\/b\.txt from .+\.$/m, r.stdout);
  assert.match(
    r.stdout,
    /^Restored 2 deleted files under d, the newest version of each\.$/m,
    r.stdout,
  );
  assert.equal(await text(rb, "d/a.txt"), "a\n");
  assert.equal(await text(rb, "d/sub/b.txt"), "b\n");
  // Published: the device that deleted them gets them back.
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "d/a.txt"), "a\n");
  assert.equal(await text(ra, "d/sub/b.txt"), "b\n");

  // All back: nothing to restore is a failure (1), not a usage error, and says where to look.
  const again = await b.run(["--no-sync", "folder", "restore", join(rb, "d"), "--json"]);
  assert.equal(again.code, 1, describe(["folder", "restore"], again));
  assert.equal(JSON.parse(again.stderr).error.code, "nothing_to_restore");
  // --version names one file's version: a usage error, nothing changed.
  const v = await b.run(["--no-sync", "folder", "restore", join(rb, "d"), "--version", "1"]);
  assert.equal(v.code, 2, describe(["folder", "restore"], v));
  assert.match(v.stderr, /--version names a version of one file/);
});

Deno.test("folder restore DIR --json lists what it put back and what is still on disk; one that can't be written is said and the others go on", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (const n of ["x", "sub/y", "z"]) await put(root, `d/${n}.txt`, `${n}\n`);
    },
  });
  await syncOk(b);
  await Deno.remove(join(ra, "d/x.txt"));
  await Deno.remove(join(ra, "d/sub"), { recursive: true });
  await put(ra, "d/z.txt", "z2\n"); // replaced: z.txt has a kept version and is on disk
  await a.ok(["--no-sync", "folder", "scan", "docs", "--yes"]);
  await syncOk(a);
  await syncOk(b);
  // A file where the folder sub/ was: sub/y.txt alone can't be put back.
  await put(rb, "d/sub", "mine\n");

  const r = await b.run(["--no-sync", "folder", "restore", join(rb, "d"), "--json"]);
  assert.equal(r.code, 1, describe(["folder", "restore"], r));
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.restored.map((f: { path: string }) => f.path), ["d/x.txt"], r.stdout);
  assert.equal(out.restored[0].published, true);
  assert.deepEqual(out.not_restored.map((f: { path: string }) => f.path), ["d/sub/y.txt"]);
  assert.deepEqual([out.path, out.on_disk, out.partial], ["d", 1, false]);
  assert.equal(await text(rb, "d/x.txt"), "x\n");
  assert.equal(await text(rb, "d/sub"), "mine\n", "what is in the way is left");
  assert.equal(await text(rb, "d/z.txt"), "z2\n", "a file on disk is left as it is");
});
