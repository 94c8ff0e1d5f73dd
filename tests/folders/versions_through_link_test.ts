/**
 * @module versions_through_link_test
 * `folder versions` and `folder restore` find a deleted file whose folder is
 * gone too when the path given goes through a symlink (/tmp and /var on
 * macOS, a linked home): before, only the file's own folder was resolved,
 * so a path through a link to a folder no longer there was "not inside a
 * folder synced here" (exit 2) while the same path without the link worked.
 * A `..` that climbs out of the folder past the missing folder is still
 * outside it. A folder moved and linked back from where it was shared (it
 * still syncs through the link) was "not inside a folder synced here" too
 * (real processes, one device).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, type TempHome, tempHome } from "../helpers/mycel.ts";

/** A folder `docs` with a kept version of sub/x.txt, sub/ gone, and a link to the folder above it. */
async function keptInGoneFolder(h: TempHome): Promise<{ docs: string; link: string }> {
  await h.ok(["init", "--name", "laptop"]);
  const real = await Deno.realPath(h.dir);
  const docs = join(real, "docs");
  await Deno.mkdir(docs);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  const kept = join(docs, versionPathFor("sub/x.txt", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, "old\n");
  const link = h.path("link");
  await Deno.symlink(real, link);
  return { docs, link };
}

Deno.test("folder versions lists a deleted file in a gone folder through a symlinked path", async () => {
  await using h = await tempHome();
  const { docs, link } = await keptInGoneFolder(h);
  const direct = await h.json<{ version: number }[]>(
    ["--no-sync", "folder", "versions", join(docs, "sub", "x.txt"), "--json"],
  );
  assert.deepEqual(direct.map((v) => v.version), [1]);

  const args = ["--no-sync", "folder", "versions", join(link, "docs", "sub", "x.txt"), "--json"];
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.deepEqual(JSON.parse(r.stdout), direct);

  // Climbing out past the gone folder lands outside the synced folder.
  const out = await h.run(["--no-sync", "folder", "versions", `${link}/docs/sub/../../x.txt`]);
  assert.equal(out.code, 2, out.stderr);
  assert.match(out.stderr, /Cannot find file: it is not inside a folder synced here/);
  assert.ok(!(await Deno.stat(join(docs, "sub")).catch(() => undefined)), "nothing made");
});

Deno.test("folder restore puts back a deleted file in a gone folder through a symlinked path", async () => {
  await using h = await tempHome();
  const { docs, link } = await keptInGoneFolder(h);
  const args = ["--no-sync", "folder", "restore", join(link, "docs", "sub", "x.txt"), "--json"];
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.equal(JSON.parse(r.stdout).path, "sub/x.txt");
  assert.equal(await Deno.readTextFile(join(docs, "sub", "x.txt")), "old\n");
  assert.ok(!(await Deno.lstat(join(docs, "sub"))).isSymlink, "sub/ made as a real folder");
});

Deno.test("folder versions and restore find a file of a folder moved and linked back where it was shared", async () => {
  await using h = await tempHome();
  const { docs } = await keptInGoneFolder(h);
  // The folder moved, and a link left where it was shared: still synced through it.
  const moved = h.path("moved");
  await Deno.mkdir(moved);
  await Deno.rename(docs, join(moved, "docs"));
  await Deno.symlink(join(moved, "docs"), docs);
  const args = ["--no-sync", "folder", "versions", join(docs, "sub", "x.txt"), "--json"];
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.deepEqual(JSON.parse(r.stdout).map((v: { path: string }) => v.path), [
    versionPathFor("sub/x.txt", Date.UTC(2026, 10, 1)),
  ]);
  // Through the link, the folder's root lists its files with kept versions; restoring it is refused.
  const root = await h.run(["--no-sync", "folder", "versions", docs]);
  assert.equal(root.code, 0, root.stderr);
  assert.match(root.stderr, /^ {2}sub\/x\.txt \(1 version\)$/m);
  const whole = await h.run(["--no-sync", "folder", "restore", docs]);
  assert.equal(whole.code, 2, whole.stderr);
  assert.match(whole.stderr, /it is the synced folder docs itself, not a file in it/);

  const back = await h.run([
    "--no-sync",
    "folder",
    "restore",
    join(docs, "sub", "x.txt"),
    "--json",
  ]);
  assert.equal(back.code, 0, describe(["folder", "restore"], back));
  assert.equal(JSON.parse(back.stdout).path, "sub/x.txt");
  assert.equal(await Deno.readTextFile(join(moved, "docs", "sub", "x.txt")), "old\n");
  assert.ok((await Deno.lstat(docs)).isSymlink, "the link left as it was");
});
