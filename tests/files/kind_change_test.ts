/**
 * @module kind_change_test
 * The removals a write needs done first when a path changes kind between a
 * file and a folder (pure), and clearing a folder left holding nothing but
 * empty folders (a real temporary folder).
 */

import assert from "node:assert/strict";
import type { FileVersion } from "../../src/log/file_version.ts";
import type { PlanAction, PlanIndexRow } from "../../src/files/folder_plan_types.ts";
import {
  clearEmptyFolder,
  foldersAt,
  removalsInTheWay,
  writesOverFolders,
} from "../../src/files/kind_change.ts";
import { testFolder } from "./helpers.ts";

const V = {
  kind: "deleted",
  path: "",
  mtime: 0,
  modifiedBy: "",
  vv: new Map(),
} as unknown as FileVersion;
const ROW = {} as PlanIndexRow;
const write = (path: string): PlanAction => ({
  kind: "write",
  path,
  version: V,
  id: path,
  expected: null,
  copy: false,
});
const remove = (path: string): PlanAction => ({
  kind: "remove",
  path,
  id: path,
  version: V,
  expected: ROW,
});

Deno.test("removalsInTheWay picks a file standing where a folder must be, and files under a path that becomes a file", () => {
  const actions = [
    write("x/y"), // x must be a folder
    write("p"), // p must be a file
    write("keep/new.txt"),
    remove("x"), // in the way of x/y
    remove("p/q"), // in the way of p
    remove("p/deep/r"), // in the way of p
    remove("xx"), // a sibling sharing a prefix: not in the way
    remove("keep/old.txt"), // a rename in the same folder: stays last
  ];
  const early = removalsInTheWay(actions);
  assert.deepEqual(early.map((a) => a.path), ["x", "p/q", "p/deep/r"]);
  // Where a folder may stand: above removals done first, and every path new here.
  assert.deepEqual([...writesOverFolders(actions, early)].sort(), ["keep/new.txt", "p", "x/y"]);
  assert.deepEqual(removalsInTheWay([remove("a"), remove("a/b")]), [], "no write, nothing first");
});

Deno.test("clearEmptyFolder removes a folder of empty folders, keeps one holding a file, and leaves a file alone", async () => {
  await using f = await testFolder();
  await Deno.mkdir(f.abs("empty/deeper/still"), { recursive: true });
  assert.equal(clearEmptyFolder(f.root, "empty"), "cleared");
  await assert.rejects(Deno.lstat(f.abs("empty")), Deno.errors.NotFound);

  await f.write("busy/deeper/kept.tmp", "mine");
  await Deno.mkdir(f.abs("busy/other"));
  assert.equal(clearEmptyFolder(f.root, "busy"), "in_use");
  assert.equal(await Deno.readTextFile(f.abs("busy/deeper/kept.tmp")), "mine");
  assert.ok((await Deno.lstat(f.abs("busy/other"))).isDirectory, "nothing removed when in use");

  await f.write("file", "text");
  assert.equal(clearEmptyFolder(f.root, "file"), "absent");
  assert.equal(clearEmptyFolder(f.root, "nothing/here"), "absent");
  await Deno.symlink(f.abs("busy"), f.abs("link"));
  assert.equal(clearEmptyFolder(f.root, "link"), "absent", "a link is not a folder");
  assert.ok((await Deno.lstat(f.abs("busy"))).isDirectory);
});

Deno.test("foldersAt names the paths where a real folder stands, looking once per parent", async () => {
  await using f = await testFolder();
  await Deno.mkdir(f.abs("a/dir"), { recursive: true });
  await f.write("a/file", "x");
  await Deno.symlink(f.abs("a/dir"), f.abs("a/link"));
  await Deno.mkdir(f.abs("top"));
  const found = foldersAt(f.root, ["a/dir", "a/file", "a/link", "a/none", "top", "gone/x"]);
  assert.deepEqual(found.sort(), ["a/dir", "top"]);
});
