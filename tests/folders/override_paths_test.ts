/**
 * @module override_paths_test
 * `folder override ID PATH` takes the paths the other folder commands take:
 * an absolute path in the folder is the path in it (the shell completes
 * one; `folder versions` and `restore` take them). Before, it was refused
 * as "it is absolute" with a hint to give a path relative to the root, and
 * a path typed from the working folder (`docs/a.txt` beside docs) was "no
 * such path" with nothing saying the root is where paths start. Real
 * process, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("folder override takes an absolute path in the folder and names the root for one typed from outside", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(join(docs, "notes"), { recursive: true });
  await Deno.writeTextFile(join(docs, "notes", "a.txt"), "a\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  const override = (...paths: string[]) =>
    h.run(["--no-sync", "folder", "override", "docs", ...paths, "--dry-run", "--json"], {
      cwd: h.dir,
    });

  const abs = await override(join(docs, "notes", "a.txt"), `${join(docs, "notes")}/`);
  assert.equal(abs.code, 0, abs.stderr);
  assert.deepEqual(JSON.parse(abs.stdout).paths, []);

  const outside = await override(h.path("elsewhere.txt"));
  assert.equal(outside.code, 2, outside.stderr);
  assert.equal(JSON.parse(outside.stderr).error.code, "bad_path");
  assert.match(
    JSON.parse(outside.stderr).error.message,
    /^Cannot override folder: it is outside the folder, at .*\/docs \(.*\/elsewhere\.txt\)$/,
  );
  const root = await override(docs);
  assert.equal(root.code, 2, root.stderr);
  assert.match(JSON.parse(root.stderr).error.message, /it is the folder's root, not a path in it/);

  // Typed from the folder holding docs: refused (paths start at the root), and said so.
  const fromHere = await override("docs/notes/a.txt");
  assert.equal(fromHere.code, 2, fromHere.stderr);
  const e = JSON.parse(fromHere.stderr).error;
  assert.match(e.message, /the folder has no such path \(docs\/notes\/a\.txt\)/);
  assert.match(
    e.hint,
    /relative to the folder's root \(.*\/docs\): from here, that is notes\/a\.txt\./,
  );
});

Deno.test("folder override takes an absolute path through a link to the folder, as folder versions does", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(join(docs, "notes"), { recursive: true });
  await Deno.writeTextFile(join(docs, "notes", "a.txt"), "a\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  // A linked way to the folder's parent (a linked home, /tmp on macOS): the
  // shell completes this path, and folder versions takes it.
  await Deno.symlink(h.dir, h.path("via"));
  const viaLink = join(h.dir, "via", "docs", "notes", "a.txt");
  assert.equal((await h.run(["--no-sync", "folder", "versions", viaLink])).code, 0);
  const r = await h.run(
    ["--no-sync", "folder", "override", "docs", viaLink, "--dry-run", "--json"],
    { cwd: h.dir },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).paths, []);
});

Deno.test("folder override of an absolute path to mycel's own files in the folder says so, not 'outside the folder'", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs, { recursive: true });
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (const p of [join(docs, ".mycel", "versions", "a.txt"), ".mycel/versions/a.txt"]) {
    const r = await h.run(["--no-sync", "folder", "override", "docs", p, "--dry-run", "--json"]);
    assert.equal(r.code, 2, r.stderr);
    const e = JSON.parse(r.stderr).error;
    assert.equal(e.code, "bad_path");
    assert.match(e.message, /a path must be inside the folder: it is one of mycel's own files/, p);
  }
});
