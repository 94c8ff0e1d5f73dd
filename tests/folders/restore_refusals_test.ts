/**
 * @module restore_refusals_test
 * `folder restore` and `folder versions` refuse what they can't do, each
 * with a named error, and change nothing (real processes, one device): a
 * stopped folder (no marker) is not written to — before, the restore wrote
 * there and said "Restored"; a folder in the file's place was an internal
 * error; a file with no kept versions said "there are 0 kept versions (1)";
 * `--version` took " 1", "1e0", "0x1" and "+1"; the folder's own root was
 * "not inside a folder synced here".
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { versionPathFor } from "../../src/files/versions.ts";
import { tempHome } from "../helpers/mycel.ts";
import { soloFolder } from "./_helpers.ts";

Deno.test("folder restore refuses a stopped folder, a folder in the file's place, no versions and a loose --version; nothing changes", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  await Deno.writeTextFile(join(docs, "a.txt"), "now\n");
  await Deno.writeTextFile(join(docs, "b.txt"), "b\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  const kept = join(docs, versionPathFor("a.txt", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, "old\n");
  const state = async () => ({
    a: await Deno.readTextFile(join(docs, "a.txt")).catch(() => null),
    status: (await h.run(["--no-sync", "folder", "status", "--json"])).stdout,
  });

  const cases: [string[], number, RegExp][] = [
    // Nothing to put back is a failure (1), not a usage error (2, until issue 13).
    [["b.txt"], 1, /Cannot restore file: it has no kept versions \(b\.txt\)/],
    [["a.txt", "--version", " 1"], 2, /--version takes a number from 1/],
    [["a.txt", "--version", "1e0"], 2, /--version takes a number from 1/],
    [["a.txt", "--version", "0x1"], 2, /--version takes a number from 1/],
    [["a.txt", "--version", "+1"], 2, /--version takes a number from 1/],
    [["a.txt", "--version", "2"], 2, /there is 1 kept version/],
    // A time neither as the list shows it nor as --json prints it (no milliseconds) is said to be one.
    [
      ["a.txt", "--version", "2026-11-01T00:00:00Z"],
      2,
      /--version takes a time as `folder versions` lists it \(2026-03-04 05:06:07 \+01:00\) or as `kept` of its --json/,
    ],
  ];
  const before = await state();
  for (const [args, code, message] of cases) {
    const r = await h.run([
      "--no-sync",
      "folder",
      "restore",
      join(docs, args[0]),
      ...args.slice(1),
    ]);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    assert.doesNotMatch(r.stderr, /internal error/i);
  }
  assert.deepEqual(await state(), before);

  // The folder's root is not a file in it.
  const root = await h.run(["--no-sync", "folder", "restore", docs]);
  assert.equal(root.code, 2);
  assert.match(root.stderr, /it is the synced folder docs itself, not a file in it/);

  // A folder where the file was: named, nothing moved.
  await Deno.remove(join(docs, "a.txt"));
  await Deno.mkdir(join(docs, "a.txt"));
  const dir = await h.run(["--no-sync", "folder", "restore", join(docs, "a.txt")]);
  assert.equal(dir.code, 1, dir.stderr);
  assert.match(dir.stderr, /Cannot restore file: a folder is in its place \(a\.txt\)/);
  assert.doesNotMatch(dir.stderr, /internal error/i);
  assert.ok((await Deno.lstat(join(docs, "a.txt"))).isDirectory);
  assert.equal(await Deno.readTextFile(kept), "old\n");
  await Deno.remove(join(docs, "a.txt"));

  // A file where a parent folder of the kept file was: named in the folder, not as an absolute path.
  const deep = join(docs, versionPathFor("e/a.txt", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(deep, ".."), { recursive: true });
  await Deno.writeTextFile(deep, "deep\n");
  await Deno.writeTextFile(join(docs, "e"), "a file now\n");
  const parent = await h.run(["--no-sync", "folder", "restore", join(docs, "e", "a.txt")]);
  assert.equal(parent.code, 1, parent.stderr);
  assert.match(parent.stderr, /^error: Cannot restore file: e is not a folder now \(e\/a\.txt\)$/m);
  assert.match(parent.stderr, /Move or rename e first, then restore again/);
  assert.equal(await Deno.readTextFile(join(docs, "e")), "a file now\n");
  await Deno.remove(join(docs, "e"));

  // A stopped folder (marker gone: disk not mounted?) is not written to.
  await Deno.rename(join(docs, MARKER_NAME), h.path("marker-aside"));
  const stopped = await h.run(["--no-sync", "folder", "restore", join(docs, "a.txt")]);
  assert.equal(stopped.code, 1, stopped.stderr);
  assert.match(stopped.stderr, /Cannot restore file: folder stopped: marker missing/);
  await assert.rejects(() => Deno.lstat(join(docs, "a.txt")), "nothing written");
});

Deno.test("folder restore of a file this device ignores says it stays here, not published", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  await Deno.mkdir(join(docs, ".mycel"), { recursive: true });
  await Deno.writeTextFile(join(docs, ".mycel", "ignore"), "*.log\n");
  const kept = join(docs, versionPathFor("x.log", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, "old log\n");
  const r = await h.run(["--no-sync", "folder", "restore", join(docs, "x.log")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Restored x\.log from /m);
  assert.match(r.stderr, /x\.log is ignored on this device .*: restored here only, not published/);
  assert.equal(await Deno.readTextFile(join(docs, "x.log")), "old log\n");
  const kept2 = join(docs, versionPathFor("x.log", Date.UTC(2026, 10, 2)));
  await Deno.writeTextFile(kept2, "older log\n");
  const j = await h.json(["--no-sync", "folder", "restore", join(docs, "x.log"), "--json"]);
  assert.equal((j as { published: boolean }).published, false);
});
