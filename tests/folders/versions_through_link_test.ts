/**
 * @module versions_through_link_test
 * `folder versions` and `folder restore` find a deleted file whose folder is
 * gone too when the path given goes through a symlink (/tmp and /var on
 * macOS, a linked home): before, only the file's own folder was resolved,
 * so a path through a link to a folder no longer there was "not inside a
 * folder synced here" (exit 2) while the same path without the link worked.
 * A `..` that climbs out of the folder past the missing folder is still
 * outside it (real processes, one device).
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
