/**
 * @module rejoin_test
 * A folder removed on a device and joined there again, with real processes:
 * an edit made there while it was not synced is never lost. Before, the
 * device had no index row for the path after joining again, published the
 * edit with a counter of its own it had used already (`{b: 1}`), and every
 * device — itself included — took that as older than the version it had
 * published before: the edit was overwritten everywhere, kept only under
 * `.mycel/versions`. Now the device's own counter goes above every counter
 * of its own in the folder's versions of that path.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { childEnv, MAIN_TS, tempHome } from "../helpers/mycel.ts";
import {
  devices,
  folderOf,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncNow,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

Deno.test("an edit made while the folder was removed here survives joining it again (never overwritten by the older version)", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "f.txt", "from a\n"),
  });
  await syncOk(b);
  assert.equal(await text(rb, "f.txt"), "from a\n");
  // b edits and publishes; everyone has it.
  await put(rb, "f.txt", "b first edit\n");
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "f.txt"), "b first edit\n");

  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await put(rb, "f.txt", "b edit while removed\n");
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a, b, a], 1);

  // b's newer edit is on both devices (as the file, or at least as a conflict copy).
  for (const root of [ra, rb]) {
    const bodies = await Promise.all(
      (await listTree(root)).filter((p) => p.startsWith("f")).map((p) => text(root, p)),
    );
    assert.ok(bodies.includes("b edit while removed\n"), `${root}: ${bodies.join(" | ")}`);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
});

Deno.test("a folder whose marker was recreated empty (touch, as the stopped folder's hint says) keeps what it knew when joined again where it was left: an edit made while left is no conflict", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "f.txt", "base\n"),
  });
  await syncOk(b);
  // The marker goes (a clean-up of dot files); the folder stops; the hint's touch brings it back.
  await Deno.remove(`${rb}/.mycel-folder`);
  assert.equal((await syncNow(b)).code, 1);
  await Deno.writeTextFile(`${rb}/.mycel-folder`, "");
  await syncOk(b);

  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await put(rb, "f.txt", "edited on b while left\n");
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a, b, a], 1);
  // Before, the empty marker left no token: joined without its index, b's edit was a
  // new version nobody had seen, in conflict with the one it replaced.
  for (const root of [ra, rb]) {
    assert.deepEqual(await listTree(root), ["f.txt"], root);
    assert.equal(await text(root, "f.txt"), "edited on b while left\n", root);
  }
});

Deno.test("a folder joined again where it was left keeps what it knew: changes made elsewhere meanwhile win, its own edit supersedes, nothing deleted comes back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (const n of ["keep", "gone", "edit", "ren", "lost"]) {
        await put(root, `${n}.txt`, `${n}\n`);
      }
    },
  });
  await rounds([b, a, b], 1);
  assert.deepEqual(await listTree(rb), await listTree(ra));

  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  // Meanwhile on a: a deletion, an edit and a rename.
  await Deno.remove(`${ra}/gone.txt`);
  await put(ra, "edit.txt", "edit, newer on a\n");
  await Deno.rename(`${ra}/ren.txt`, `${ra}/ren2.txt`);
  await syncOk(a);
  // On b, while the folder is not synced there: an edit, a new file, a file lost.
  await put(rb, "keep.txt", "keep, edited on b while left\n");
  await put(rb, "new.txt", "made on b while left\n");
  await Deno.remove(`${rb}/lost.txt`);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a, b, a], 1);

  const want = [
    "edit.txt: edit, newer on a\n",
    "keep.txt: keep, edited on b while left\n",
    "lost.txt: lost\n", // missing on b since it left: not a deletion, fetched again
    "new.txt: made on b while left\n",
    "ren2.txt: ren\n",
  ];
  for (const root of [ra, rb]) {
    const got = await Promise.all(
      (await listTree(root)).map(async (p) => `${p}: ${await text(root, p)}`),
    );
    assert.deepEqual(got, want, root); // no gone.txt, no ren.txt, no conflict copy
  }
  const conflicts = await a.ok(["folder", "conflicts", "docs", "--json"]);
  assert.deepEqual(JSON.parse(conflicts.stdout), [{ id: "docs", copies: [], unresolved: [] }]);
});

Deno.test("a file renamed while the folder was left is a rename after joining again: the old name does not come back, an edit made elsewhere meanwhile is carried to the new name", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "plain.txt", "renamed while left\n");
      await put(root, "raced.txt", "renamed on b, edited on a\n");
      await put(root, "twin1.txt", "same content\n");
      await put(root, "twin2.txt", "same content\n");
    },
  });
  await rounds([b, a, b], 1);
  assert.deepEqual(await listTree(rb), await listTree(ra));

  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await put(ra, "raced.txt", "edited on a while b was left\n");
  await syncOk(a);
  await Deno.rename(`${rb}/plain.txt`, `${rb}/plain-new.txt`);
  await Deno.rename(`${rb}/raced.txt`, `${rb}/raced-new.txt`);
  // Two missing files with one copy of their content under a new name: one
  // of them is the rename, the other was only lost here and comes back.
  await Deno.rename(`${rb}/twin1.txt`, `${rb}/twin-new.txt`);
  await Deno.remove(`${rb}/twin2.txt`);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a, b, a], 1);

  const want = [
    "plain-new.txt: renamed while left\n",
    // The edit b never saw wins over b's deletion, and a (holding it) carries
    // it to where b moved the file (src/files/moved_carry.ts): one file.
    "raced-new.txt: edited on a while b was left\n",
    "twin-new.txt: same content\n",
    "twin1.txt or twin2.txt: same content\n",
  ];
  const trees = [];
  for (const root of [ra, rb]) {
    const got = await Promise.all(
      (await listTree(root)).map(async (p) => `${p}: ${await text(root, p)}`),
    );
    trees.push(got);
    const named = got.map((line) => line.replace(/^twin[12]\.txt/, "twin1.txt or twin2.txt"));
    assert.deepEqual(named, want, root); // no plain.txt, one twin only, no conflict copy
  }
  assert.deepEqual(trees[0], trees[1]);
});

Deno.test("a join killed at any point keeps what the folder knew: the token goes only after the join is committed", async () => {
  const strace = await new Deno.Command("strace", { args: ["-V"], stdout: "null", stderr: "null" })
    .output().catch(() => undefined);
  if (strace?.success !== true) {
    console.log("skipped: needs strace (scripts/install_test_deps.sh installs it)");
    return;
  }
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "del.txt", "deleted on a while b was left\n");
      await put(root, "keep.txt", "keep\n");
    },
  });
  await rounds([b, a, b], 1);
  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await Deno.remove(`${ra}/del.txt`);
  await syncOk(a);
  // Killed as it removes .mycel/ right after the token (.mycel/left): before,
  // both came before the join's commit.
  const internal = `${rb}/.mycel`;
  const killed = await new Deno.Command("strace", {
    args: [
      ...["-f", "-qq", "-o", "/dev/null", "-P", internal],
      ...["-e", "trace=rmdir,unlinkat", "-e", "inject=rmdir,unlinkat:signal=KILL"],
      ...[Deno.execPath(), ...denoRunArgs(MAIN_TS), "--no-sync", "folder", "join", "docs", rb],
    ],
    env: childEnv({ home: b.home }),
    clearEnv: true,
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(killed.success, false, "the join was killed");
  const listed = JSON.parse((await b.ok(["--no-sync", "folder", "list", "--json"])).stdout);
  if (listed.folders.length === 0) await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a, b, a], 1);
  for (const root of [ra, rb]) assert.deepEqual(await listTree(root), ["keep.txt"], root);
});

Deno.test("files copied with their mtimes (cp -a: new inodes) are not edits: a folder moved to a copy, or a left folder put back from a copy, loses no change made elsewhere meanwhile", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (const n of ["x", "y", "z", "w"]) await put(root, `${n}.txt`, `${n} first\n`);
    },
  });
  await rounds([b, a, b], 1);
  const cpA = async (from: string, to: string) => {
    const r = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
  };
  // Moved: copied to another place with cp -a, the original gone.
  const moved = `${rb}-copy`;
  await cpA(rb, moved);
  await Deno.remove(rb, { recursive: true });
  await put(ra, "x.txt", "x edited on a meanwhile\n");
  await Deno.remove(`${ra}/y.txt`);
  await syncOk(a);
  await b.ok(["--no-sync", "folder", "move", "docs", moved]);
  await rounds([b, a, b, a], 1);
  for (const root of [ra, moved]) {
    const got = await Promise.all(
      (await listTree(root)).map(async (p) => `${p}: ${await text(root, p)}`),
    );
    assert.deepEqual(got, [
      "w.txt: w first\n",
      "x.txt: x edited on a meanwhile\n",
      "z.txt: z first\n",
    ], root);
  }

  // Left, copied aside, deleted, put back (token and all), joined again.
  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  const aside = `${moved}-aside`;
  await cpA(moved, aside);
  await Deno.remove(moved, { recursive: true });
  await put(ra, "z.txt", "z edited on a meanwhile\n");
  await Deno.remove(`${ra}/w.txt`);
  await syncOk(a);
  await Deno.rename(aside, moved);
  await b.ok(["--no-sync", "folder", "join", "docs", moved]);
  await rounds([b, a, b, a], 1);
  for (const root of [ra, moved]) {
    const got = await Promise.all(
      (await listTree(root)).map(async (p) => `${p}: ${await text(root, p)}`),
    );
    assert.deepEqual(
      got,
      ["x.txt: x edited on a meanwhile\n", "z.txt: z edited on a meanwhile\n"],
      root,
    );
  }
});

Deno.test("folder remove of a folder that is not there (moved away, disk not mounted) makes nothing at its old path", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [, rb] = await sharedFolder(devs, "docs", { seed: (root) => put(root, "f.txt", "f\n") });
  await rounds([b], 1);
  await Deno.rename(rb, `${rb}-elsewhere`);
  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await assert.rejects(Deno.lstat(rb), Deno.errors.NotFound);
  assert.deepEqual(await listTree(`${rb}-elsewhere`), ["f.txt"]);
});

Deno.test("a folder joined somewhere else than where it was left starts without the old index (its files are not taken as edits of what was there)", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "f.txt", "first\n"),
  });
  await rounds([b], 1);
  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  // Another folder on b, with another file of that name: nothing says b saw
  // a's version before making it, so both are kept (a conflict), neither replaced.
  const other = `${rb}-elsewhere`;
  await Deno.mkdir(other);
  await put(other, "f.txt", "another file\n");
  await b.ok(["--no-sync", "folder", "join", "docs", other]);
  await rounds([b, a, b, a], 1);
  for (const root of [ra, other]) {
    const bodies = await Promise.all((await listTree(root)).map((p) => text(root, p)));
    assert.deepEqual(bodies.sort(), ["another file\n", "first\n"], root);
  }
});

Deno.test("a folder emptied while left and joined again deletes nothing elsewhere: its files come back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "base.txt", "base\n"),
  });
  await rounds([b, a], 1);
  await put(ra, "g.txt", "made on a\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["sync", "now", "--push"]);
  await syncNow(b); // b fetches g.txt; a has not heard b's progress yet
  assert.equal(await text(rb, "g.txt"), "made on a\n");
  await a.ok(["--no-sync", "folder", "remove", "docs"]);
  for (const p of await listTree(ra)) await Deno.remove(`${ra}/${p}`);
  await a.ok(["--no-sync", "folder", "join", "docs", ra]);
  await rounds([a, b, a, b], 1);
  for (const root of [ra, rb]) assert.deepEqual(await listTree(root), ["base.txt", "g.txt"], root);
});

Deno.test("after joining again where it was left, this device serves the files it did not change", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "base.txt", "base\n"),
  });
  await rounds([b, a], 1);
  await put(ra, "g.txt", "made on a just before leaving\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await a.ok(["--no-sync", "folder", "remove", "docs"]);
  await a.ok(["--no-sync", "folder", "join", "docs", ra]);
  await rounds([b, a, b], 1);
  const r = await syncNow(b);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.equal(await text(rb, "g.txt"), "made on a just before leaving\n");
});

Deno.test("another folder made at the same path after the old one was deleted does not take its index: same-named files are a conflict, not an edit", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "readme.txt", "first\n"),
  });
  await rounds([b, a], 1);
  await put(rb, "readme.txt", "the folder's readme, written on b\n");
  await rounds([b, a], 1);
  assert.equal(await text(ra, "readme.txt"), "the folder's readme, written on b\n");
  await a.ok(["--no-sync", "folder", "remove", "docs"]);
  await Deno.remove(ra, { recursive: true }); // gone for good, marker and all
  await Deno.mkdir(ra);
  await put(ra, "readme.txt", "another project's readme\n");
  await a.ok(["--no-sync", "folder", "join", "docs", ra]);
  await rounds([a, b, a, b], 1);
  for (const root of [ra, rb]) {
    const bodies = await Promise.all((await listTree(root)).map((p) => text(root, p)));
    const want = ["another project's readme\n", "the folder's readme, written on b\n"];
    assert.deepEqual(bodies.sort(), want, root);
  }
});

Deno.test("a home made before folders could be left keeps working read-only: folder list, status and conflicts need no new table", async () => {
  await using h = await tempHome("mycel-rejoin-old-");
  await h.ok(["init", "--name", "a"]);
  const root = h.path("docs");
  await Deno.mkdir(root);
  await h.ok(["--no-sync", "folder", "add", root, "--id", "docs"]);
  const db = new DatabaseSync(homePaths(h.home).db);
  db.exec("DROP TABLE folder_left"); // as a home of the previous release has it
  db.close();
  for (const args of [["folder", "list"], ["folder", "status"], ["folder", "conflicts"]]) {
    await h.ok(["--no-sync", ...args]);
  }
  await h.ok(["--no-sync", "folder", "remove", "docs"]); // a write open adds the table
});

Deno.test("a file only this device had, deleted while the folder was left here: status says nobody may send it, and override ends the wait", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "base.txt", "base\n"),
  });
  await rounds([b, a], 1);
  await put(rb, "only-b.txt", "made on b\n");
  await b.ok(["--no-sync", "folder", "scan"]);
  await b.ok(["sync", "now", "--push"]); // a hears of it; files are fetched in a's own round
  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await Deno.remove(`${rb}/only-b.txt`);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await rounds([b, a], 1);
  // Forgotten, not deleted: every device waits for it (a limit, docs/folders.md) — and is told so.
  const [status] = JSON.parse((await b.ok(["--no-sync", "folder", "status", "--json"])).stdout);
  assert.equal(status.devices.find((d: { self: boolean }) => d.self).waiting_on_self, 1);
  const said = (await b.ok(["--no-sync", "folder", "status"])).stdout;
  assert.match(said, /1 file of it made here and no longer here/);
  assert.match(said, /mycel folder override docs --dry-run/);
  // Each round says so on both devices, and does not end in "partly synced" for it.
  // b is told to override; a, which can't tell a lost file from one b changed since, is
  // pointed at b (an override on a would publish a's older view over b's).
  const says = {
    b: "folder docs: 1 file (10 B) can't be fetched: no device that syncs the folder has " +
      "their content (made by this device)\n  `mycel folder override docs` makes",
    a: "folder docs: 1 file (10 B) can't be fetched now: b, which made it, no longer has that " +
      "content\n  if b changed it since, b's next scan sends the new version; if b lost it, " +
      "`mycel folder override docs` on b ends the wait",
  };
  for (const d of [b, a]) {
    const r = await syncNow(d);
    assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
    assert.ok(r.stderr.includes(says[d.name as "a" | "b"]), `${d.name}: ${r.stderr}`);
  }

  await b.ok(["--no-sync", "folder", "override", "docs", "--yes"]);
  await rounds([b, a], 1);
  for (const [d, root] of [[a, ra], [b, rb]] as const) {
    const r = await syncNow(d);
    assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
    assert.deepEqual(await listTree(root), ["base.txt"]);
  }
});

Deno.test("a left folder's kept chunk places do not crowd out those of a folder synced here", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  const body = "the same license text\n".repeat(50);
  const left = folderOf(a, "left");
  await Deno.mkdir(left, { recursive: true });
  for (let i = 0; i < 8; i++) await put(left, `copy${i}/LICENSE`, body);
  await a.ok(["--no-sync", "folder", "add", left, "--id", "aaa"]);
  await a.ok(["--no-sync", "folder", "remove", "aaa"]); // its places stay, for a join again
  const ra = folderOf(a, "docs");
  await Deno.mkdir(ra, { recursive: true });
  await put(ra, "LICENSE", body);
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "zzz"]);
  await syncOk(b);
  const rb = folderOf(b, "docs");
  await b.ok(["--no-sync", "folder", "join", "zzz", rb]);
  await rounds([b, a, b], 1);
  assert.equal(await text(rb, "LICENSE"), body);
});

Deno.test("a folder_left table of an earlier shape is remade on the next write open", async () => {
  await using h = await tempHome("mycel-rejoin-shape-");
  await h.ok(["init", "--name", "a"]);
  const root = h.path("docs");
  await Deno.mkdir(root);
  await h.ok(["--no-sync", "folder", "add", root, "--id", "docs"]);
  const db = new DatabaseSync(homePaths(h.home).db);
  db.exec("DROP TABLE folder_left");
  db.exec("CREATE TABLE folder_left (folder TEXT PRIMARY KEY, root TEXT NOT NULL, at INTEGER)");
  db.close();
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  await h.ok(["--no-sync", "folder", "join", "docs", root]);
});
