/**
 * @module stignore_note_test
 * A folder moved from Syncthing keeps its `.stignore`, which mycel does not
 * read: `folder add` and `folder join` say so, and where mycel's own rules
 * go, instead of syncing what it left out plain a word (a walkthrough).
 * Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";
import { devices, folderOf, put, syncOk } from "./_helpers.ts";

const NOTE = /note: \.stignore \(Syncthing's ignore rules\) is not read by mycel/;

Deno.test("folder add and folder join of a folder holding a .stignore say mycel does not read it and name .mycelignore", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  const ra = folderOf(a), rb = folderOf(b);
  for (const root of [ra, rb]) {
    await put(root, ".stignore", "*.tmp\n");
    await put(root, "a.txt", "a\n");
  }
  const added = await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  assert.match(added.stderr, NOTE, added.stderr);
  assert.match(added.stderr, /\.mycelignore \(gitignore syntax/, added.stderr);
  await syncOk(b);
  const joined = await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  assert.match(joined.stderr, NOTE, joined.stderr);
});

Deno.test("no note about .stignore when the folder has its own .mycelignore, or no .stignore", async () => {
  await using h = await tempHome();
  const own = h.path("with"), plain = h.path("plain");
  await put(own, ".stignore", "*.tmp\n");
  await put(own, ".mycelignore", "*.tmp\n");
  await put(plain, "a.txt", "a\n");
  for (const [root, id] of [[own, "one"], [plain, "two"]]) {
    const r = await h.ok(["--no-sync", "folder", "add", root, "--id", id]);
    assert.doesNotMatch(r.stderr, /stignore/, r.stderr);
  }
  assert.ok(await Deno.stat(join(own, ".mycel-folder")));
});
