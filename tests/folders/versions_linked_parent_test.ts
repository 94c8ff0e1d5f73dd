/**
 * @module versions_linked_parent_test
 * `folder versions PATH` and `folder restore PATH` take PATH in the folder's
 * terms below its root: mycel syncs a symbolic link as a link and never
 * follows it, so `notes/a.txt` with `notes -> archive` is not `archive/a.txt`.
 * Before, the command line resolved every link on the way: it listed and
 * restored `archive/a.txt` (the restore replaced that file); with a link to
 * outside the folder the versions kept for the files that were under it
 * were out of reach ("not inside a folder synced here"); with a link into
 * another synced folder the restore wrote that folder's file. Now versions
 * lists what was kept for the path as named in the folder (and says the
 * parent is a link), and restore refuses with a named error and changes
 * nothing. Real processes, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, type TempHome, tempHome } from "../helpers/mycel.ts";
import { keptFiles, put, soloFolder, tempFiles, text } from "./_helpers.ts";

const DAY1 = Date.UTC(2026, 10, 1);
const DAY2 = Date.UTC(2026, 10, 2);

interface Listed {
  version: number;
  kept: string;
  path: string;
}

/**
 * The solo folder with `archive/a.txt` ("archive now"), a kept version of it
 * ("archive old", day 2), a kept version of `notes/a.txt` ("notes old", day
 * 1: from when notes was a folder), and `notes` now a link to `archive`.
 */
async function linkInside(h: TempHome): Promise<string> {
  const docs = await soloFolder(h);
  await put(docs, "archive/a.txt", "archive now\n");
  await put(docs, versionPathFor("archive/a.txt", DAY2), "archive old\n");
  await put(docs, versionPathFor("notes/a.txt", DAY1), "notes old\n");
  await Deno.symlink("archive", join(docs, "notes"));
  return docs;
}

/** Everything a refused restore must leave as it was. */
async function state(h: TempHome, docs: string, outside?: string) {
  return {
    kept: await keptFiles(docs),
    archive: await text(docs, "archive/a.txt"),
    outside: outside === undefined ? undefined : await text(outside, "b.txt"),
    temps: tempFiles(docs),
    status: (await h.run(["--no-sync", "folder", "status", "--json"])).stdout,
  };
}

Deno.test("folder versions of a path under a link in the folder lists that path's versions, not the link target's", async () => {
  await using h = await tempHome();
  const docs = await linkInside(h);
  const args = ["--no-sync", "folder", "versions", join(docs, "notes", "a.txt")];
  const listed = await h.json<Listed[]>([...args, "--json"]);
  assert.deepEqual(
    listed.map((v) => [v.version, v.kept, v.path]),
    [[1, new Date(DAY1).toISOString(), versionPathFor("notes/a.txt", DAY1)]],
  );
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.match(r.stdout, /^1 .* \.mycel\/versions\/notes\/a~20261101-000000-000\.txt$/m);
  assert.doesNotMatch(r.stdout, /archive/);
  // Said: the parent is a link, and where the file it leads to has its versions.
  assert.match(r.stderr, /notes is a symbolic link in the folder \(to archive\)/, r.stderr);
  assert.ok(
    r.stderr.includes(`mycel folder versions ${join(docs, "archive", "a.txt")}`),
    r.stderr,
  );
  // A link outside the folder into it is the user's way there, and is followed.
  await Deno.symlink(join(docs, "archive"), h.path("shortcut"));
  const via = await h.json<Listed[]>(
    ["--no-sync", "folder", "versions", h.path("shortcut/a.txt"), "--json"],
  );
  assert.deepEqual(via.map((v) => v.path), [versionPathFor("archive/a.txt", DAY2)]);
});

Deno.test("folder restore of a path under a link in the folder is refused and changes nothing", async () => {
  await using h = await tempHome();
  const docs = await linkInside(h);
  const before = await state(h, docs);
  const path = join(docs, "notes", "a.txt");
  const r = await h.run(["--no-sync", "folder", "restore", path]);
  const shown = describe(["folder", "restore", path], r);
  assert.equal(r.code, 1, shown);
  assert.match(
    r.stderr,
    /^error: Cannot restore file: notes is a symbolic link in the folder \(to archive\) \(notes\/a\.txt\)$/m,
    shown,
  );
  assert.ok(r.stderr.includes(`folder restore ${join(docs, "archive", "a.txt")}`), shown);
  assert.match(r.stderr, /move the link notes aside first/, shown);
  assert.doesNotMatch(r.stderr, /internal error/i, shown);

  // --json: the error as JSON, with its code; still nothing changed.
  const j = await h.run(["--no-sync", "folder", "restore", path, "--version", "1", "--json"]);
  assert.equal(j.code, 1, describe(["folder", "restore", "--json"], j));
  assert.equal(j.stdout, "");
  assert.equal(JSON.parse(j.stderr).error.code, "unsafe_path");
  assert.deepEqual(await state(h, docs), before);
  assert.equal(await text(docs, "archive/a.txt"), "archive now\n");
});

/** The solo folder with a kept version of `out/b.txt` and `out` now a link to `target`. */
async function linkOut(h: TempHome, target: string): Promise<string> {
  const docs = await soloFolder(h);
  await put(docs, versionPathFor("out/b.txt", DAY1), "out old\n");
  await Deno.symlink(target, join(docs, "out"));
  return docs;
}

Deno.test("folder versions and restore of a path under a link to outside the folder: listed, restore refused until the link is moved", async () => {
  await using h = await tempHome();
  const elsewhere = h.path("elsewhere");
  await put(elsewhere, "b.txt", "outside now\n");
  const docs = await linkOut(h, elsewhere);
  const path = join(docs, "out", "b.txt");

  const listed = await h.json<Listed[]>(["--no-sync", "folder", "versions", path, "--json"]);
  assert.deepEqual(listed.map((v) => v.path), [versionPathFor("out/b.txt", DAY1)]);
  const human = await h.ok(["--no-sync", "folder", "versions", path]);
  assert.match(human.stderr, /out is a symbolic link to outside the folder/, human.stderr);

  const before = await state(h, docs, elsewhere);
  const r = await h.run(["--no-sync", "folder", "restore", path]);
  const shown = describe(["folder", "restore", path], r);
  assert.equal(r.code, 1, shown);
  assert.match(
    r.stderr,
    /^error: Cannot restore file: out is a symbolic link to outside the folder \(out\/b\.txt\)$/m,
    shown,
  );
  assert.match(r.stderr, /move the link out aside first, then restore again/, shown);
  assert.deepEqual(await state(h, docs, elsewhere), before);
  assert.equal(await text(elsewhere, "b.txt"), "outside now\n", "nothing written through");

  // The way the hint gives: the link moved aside, the file comes back in a real folder.
  await Deno.rename(join(docs, "out"), h.path("out-link"));
  const back = await h.json<{ path: string }>(["--no-sync", "folder", "restore", path, "--json"]);
  assert.equal(back.path, "out/b.txt");
  assert.ok(!(await Deno.lstat(join(docs, "out"))).isSymlink);
  assert.equal(await text(docs, "out/b.txt"), "out old\n");
  assert.equal(await text(elsewhere, "b.txt"), "outside now\n");
});

Deno.test("folder restore of a path under a link into another synced folder does not write that folder", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  const other = h.path("other");
  await put(other, "b.txt", "other now\n");
  await h.ok(["--no-sync", "folder", "add", other, "--id", "other"]);
  await put(other, versionPathFor("b.txt", DAY2), "other old\n");
  await put(docs, versionPathFor("out/b.txt", DAY1), "out old\n");
  await Deno.symlink(other, join(docs, "out"));
  const path = join(docs, "out", "b.txt");

  const listed = await h.json<Listed[]>(["--no-sync", "folder", "versions", path, "--json"]);
  assert.deepEqual(listed.map((v) => v.path), [versionPathFor("out/b.txt", DAY1)]);

  const otherKept = await keptFiles(other);
  const r = await h.run(["--no-sync", "folder", "restore", path, "--json"]);
  assert.equal(r.code, 1, describe(["folder", "restore", path, "--json"], r));
  assert.equal(JSON.parse(r.stderr).error.code, "unsafe_path");
  assert.equal(await text(other, "b.txt"), "other now\n", "the other folder's file untouched");
  assert.deepEqual(await keptFiles(other), otherKept);
});

Deno.test("folder restore through a shortcut from outside to a link in the folder is refused, and the folder the link leads into is untouched", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  const more = h.path("more");
  await put(more, "sub/a.txt", "more now\n");
  await h.ok(["--no-sync", "folder", "add", more, "--id", "more"]);
  await put(more, versionPathFor("sub/a.txt", DAY2), "more old\n");
  await Deno.symlink(join(more, "sub"), join(docs, "notes"));
  await Deno.symlink(join(docs, "notes"), h.path("shortcut"));
  const path = h.path("shortcut/a.txt");

  // In docs' terms this is notes/a.txt, under the link notes.
  const r = await h.run(["--no-sync", "folder", "restore", path, "--json"]);
  assert.equal(r.code, 1, describe(["folder", "restore", path, "--json"], r));
  const error = JSON.parse(r.stderr).error;
  assert.equal(error.code, "unsafe_path");
  assert.match(error.message, /notes is a symbolic link to outside the folder \(notes\/a.txt\)/);
  // Before, realpath went through both links: more's sub/a.txt was replaced.
  assert.equal(await text(more, "sub/a.txt"), "more now\n");
});
