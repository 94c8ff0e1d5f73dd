/**
 * @module versions_folder_test
 * `folder versions DIR` of a folder (a deleted one, say) points at the files
 * under it that have kept versions. Before, it said only "No kept versions
 * of d." and a deleted folder's files were out of reach unless the user knew
 * their names (found by a review). Real process, one device; the names
 * read back from kept copies are checked on their own.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { keptFor } from "../../src/files/versions_under.ts";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("keptFor: the name a kept copy was kept for, whatever stamps the name holds", () => {
  const at = Date.UTC(2026, 2, 4, 5, 6, 7, 89);
  for (const name of ["report.pdf", ".bashrc", "Makefile", "x~20260101-000000-000.txt", "a.b.c"]) {
    const kept = versionPathFor(name, at).split("/").pop()!;
    assert.equal(keptFor(kept), name, kept);
  }
  assert.equal(keptFor("plain.txt"), undefined);
  assert.equal(keptFor("~20260304-050607-089"), undefined);
});

Deno.test("folder versions of a folder names the files under it with kept versions", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "top.txt"), "t\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  const keep = async (rel: string, day: number) => {
    const p = join(docs, versionPathFor(rel, Date.UTC(2026, 10, day)));
    await Deno.mkdir(join(p, ".."), { recursive: true });
    await Deno.writeTextFile(p, `${rel} ${day}\n`);
  };
  await keep("d/a.txt", 1);
  await keep("d/a.txt", 2);
  await keep("d/sub/c.txt", 3);
  await keep("e/other.txt", 3);

  const r = await h.run(["folder", "versions", join(docs, "d")]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    "No kept versions of d.\n" +
      "It is a folder with kept versions of 2 files:\n" +
      "  d/a.txt (2 versions)\n" +
      "  d/sub/c.txt (1 version)\n" +
      "See one file's with `mycel folder versions PATH`; all of them, or as JSON, with --files.\n",
  );
  // The JSON keeps its shape: the versions of the path itself, none.
  assert.deepEqual(await h.json(["folder", "versions", join(docs, "d"), "--json"]), []);
  const one = await h.json<{ version: number }[]>(
    ["folder", "versions", join(docs, "d", "a.txt"), "--json"],
  );
  assert.equal(one.length, 2);
});

Deno.test("folder restore of a folder whose files have kept versions puts back the newest of each", async () => {
  // A folder deleted on another device is a user's first restore. Before, it
  // was "it has no kept versions (d)", while `folder versions d` listed two
  // files under it with three versions: the versions were there, hidden; then
  // it was refused, "restore each file" (issue 13): now each comes back.
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "top.txt"), "t\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (const [rel, day] of [["d/a.txt", 1], ["d/a.txt", 2], ["d/sub/c.txt", 3]] as const) {
    const p = join(docs, versionPathFor(rel, Date.UTC(2026, 10, day)));
    await Deno.mkdir(join(p, ".."), { recursive: true });
    await Deno.writeTextFile(p, `${rel} ${day}\n`);
  }
  const r = await h.run(["--no-sync", "folder", "restore", join(docs, "d")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Restored 2 deleted files under d, the newest version of each\.$/m);
  assert.equal(await Deno.readTextFile(join(docs, "d/a.txt")), "d/a.txt 2\n");
  assert.equal(await Deno.readTextFile(join(docs, "d/sub/c.txt")), "d/sub/c.txt 3\n");
  // A path with nothing kept under it still says so.
  const none = await h.run(["--no-sync", "folder", "restore", join(docs, "e")]);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /it has no kept versions \(e\)/);
  // Its hint names this folder's retention command, not a placeholder to fill in.
  assert.match(none.stderr, /`mycel folder retention docs` says/);
});

Deno.test("folder versions of the synced folder itself names every file with kept versions", async () => {
  // As of a folder in it: after a whole folder was emptied the root is the
  // path a user has. Before, it was refused ("not a file in it", exit 2).
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  const empty = h.path("empty");
  await Deno.mkdir(docs);
  await Deno.mkdir(empty);
  await Deno.writeTextFile(join(docs, "top.txt"), "t\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await h.ok(["--no-sync", "folder", "add", empty, "--id", "empty"]);
  for (const [rel, day] of [["top.txt", 1], ["top.txt", 2], ["d/a.txt", 3]] as const) {
    const p = join(docs, versionPathFor(rel, Date.UTC(2026, 10, day)));
    await Deno.mkdir(join(p, ".."), { recursive: true });
    await Deno.writeTextFile(p, `${rel} ${day}\n`);
  }

  const r = await h.run(["folder", "versions", docs]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  assert.equal(
    r.stderr,
    "Folder docs has kept versions of 2 files:\n" +
      "  d/a.txt (1 version)\n" +
      "  top.txt (2 versions)\n" +
      "See one file's with `mycel folder versions PATH`; all of them, or as JSON, with --files.\n",
  );
  assert.deepEqual(await h.json(["folder", "versions", docs, "--json"]), []);
  const none = await h.run(["folder", "versions", empty]);
  assert.equal(none.code, 0, none.stderr);
  assert.equal(none.stderr, "No kept versions in folder empty.\n");
  // Restore still wants a file.
  const restore = await h.run(["--no-sync", "folder", "restore", docs]);
  assert.equal(restore.code, 2, restore.stderr);
  assert.match(restore.stderr, /it is the synced folder docs itself, not a file in it/);
});

Deno.test("folder versions DIR --files lists every file under DIR with kept versions, as JSON an object; --json alone stays an array", async () => {
  // Before, `--json` of a folder printed [] though the text named its files
  // (kept so by 727fd60: an array is what scripts read); issue 13.
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "top.txt"), "t\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (
    const [rel, day] of [["d/a.txt", 1], ["d/a.txt", 2], ["d/sub/c.txt", 3], [
      "top.txt",
      3,
    ]] as const
  ) {
    const p = join(docs, versionPathFor(rel, Date.UTC(2026, 10, day)));
    await Deno.mkdir(join(p, ".."), { recursive: true });
    await Deno.writeTextFile(p, `${rel} ${day}\n`);
  }

  assert.deepEqual(await h.json(["folder", "versions", join(docs, "d"), "--json"]), []);
  assert.deepEqual(await h.json(["folder", "versions", join(docs, "d"), "--files", "--json"]), {
    folder: "docs",
    path: "d",
    files: [{ path: "d/a.txt", versions: 2 }, { path: "d/sub/c.txt", versions: 1 }],
    partial: false,
  });
  const root = await h.json<{ path: string; files: { path: string }[] }>(
    ["folder", "versions", docs, "--files", "--json"],
  );
  assert.equal(root.path, "");
  assert.deepEqual(root.files.map((f) => f.path), ["d/a.txt", "d/sub/c.txt", "top.txt"]);
  const text = await h.run(["folder", "versions", join(docs, "d"), "--files"]);
  assert.equal(text.code, 0, text.stderr);
  assert.equal(text.stdout, "d/a.txt  2 versions\nd/sub/c.txt  1 version\n");
  const none = await h.run(["folder", "versions", join(docs, "e"), "--files", "--json"]);
  assert.equal(none.code, 0, none.stderr);
  assert.deepEqual(JSON.parse(none.stdout), {
    folder: "docs",
    path: "e",
    files: [],
    partial: false,
  });
});
