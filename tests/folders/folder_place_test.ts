/**
 * A folder can't be shared, joined or moved where it holds the mycel home
 * or lies in it, nor inside or around another folder synced here: refused
 * with exit 2 before anything is written (no marker, no folder made).
 * Found by running mycel: a folder shared one level above the home sent
 * the device's `keys.cbor` and `mycel.db` to every device that joined it,
 * and a folder nested in another was published twice.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { checkFolderPlace } from "../../src/cli/folder_place.ts";
import { tempHome } from "../helpers/mycel.ts";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { type Device, devices, put, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";

const exists = (p: string) => Deno.lstat(p).then(() => true, () => false);

Deno.test("folder add, join and move refuse the home, a folder around it, and nested folders; nothing is written", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(join(docs, "sub"), { recursive: true });
  await h.ok(["folder", "add", docs, "--id", "docs"]);
  await Deno.mkdir(h.path("elsewhere"));

  const refused: [string[], RegExp, string][] = [
    // tempHome's home is <dir>/home: <dir> holds it.
    [["folder", "add", h.dir], /it holds the mycel home \(its private keys/, h.dir],
    [["folder", "add", join(h.home, "x")], /it is inside the mycel home/, join(h.home, "x")],
    [
      ["folder", "add", join(docs, "sub")],
      /it is inside folder docs, synced here at /,
      join(docs, "sub"),
    ],
  ];
  await Deno.mkdir(join(h.home, "x"));
  for (const [args, message, dir] of refused) {
    const r = await h.run(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(" "));
    if (dir !== "") assert.equal(await exists(join(dir, MARKER_NAME)), false, `marker in ${dir}`);
  }
  // Around a synced folder: its parent.
  const outer = h.path("outer");
  await Deno.mkdir(outer);
  await Deno.rename(docs, join(outer, "docs"));
  await h.ok(["--no-sync", "folder", "move", "docs", join(outer, "docs")]);
  const around = await h.run(["folder", "add", outer]);
  assert.equal(around.code, 2, around.stderr);
  assert.match(around.stderr, /it holds folder docs, synced here at /);
  assert.equal(await exists(join(outer, MARKER_NAME)), false);
  // Inside the home: a join never makes the folder (an offer: shared, then left here).
  await Deno.mkdir(h.path("music"));
  await h.ok(["--no-sync", "folder", "add", h.path("music"), "--id", "music"]);
  await h.ok(["--no-sync", "folder", "remove", "music"]);
  const inHome = join(h.home, "shared");
  const join1 = await h.run(["--no-sync", "folder", "join", "music", inHome]);
  assert.equal(join1.code, 2, join1.stderr);
  assert.match(join1.stderr, /Cannot join folder: it is inside the mycel home/);
  assert.equal(await exists(inHome), false, "the folder was made");
  // A move into the home is refused too.
  const moved = join(h.home, "docs");
  await Deno.rename(join(outer, "docs"), moved);
  const mv = await h.run(["--no-sync", "folder", "move", "docs", moved]);
  assert.equal(mv.code, 2, mv.stderr);
  assert.match(mv.stderr, /it is inside the mycel home/);
  const list = await h.json<{ folders: { path: string }[] }>(["folder", "list", "--json"]);
  assert.deepEqual(list.folders.map((f) => f.path), [join(outer, "docs")], "nothing changed");
});

Deno.test("folder scan of a folder this device does not sync is a usage error, not a silent success", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const r = await h.run(["folder", "scan", "nope"]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /Cannot scan folder: this device does not sync it \(nope\)/);
  const j = await h.run(["folder", "scan", "nope", "--json"]);
  assert.equal(j.code, 2);
  assert.equal(JSON.parse(j.stderr).error.code, "unknown_folder");
});

Deno.test("checkFolderPlace compares whole path segments: a name starting with '..' is inside, a sibling sharing a prefix is not", () => {
  const others = [{ folder: "docs", root: "/a/docs" }];
  const verdict = (root: string) => {
    try {
      checkFolderPlace("share folder", root, "/h/home", others);
      return "ok";
    } catch (e) {
      return (e as Error).message.replace(/^Cannot share folder: /, "").replace(/ \(.*$/, "");
    }
  };
  assert.deepEqual(
    ["/a/docs/..x", "/a/docs2", "/a", "/a/docs/sub", "/h", "/h/home/in", "/h/homes", "/a/docs"]
      .map(verdict),
    [
      "it is inside folder docs, synced here at /a/docs",
      "ok",
      "it holds folder docs, synced here at /a/docs",
      "it is inside folder docs, synced here at /a/docs",
      "it holds the mycel home",
      "it is inside the mycel home",
      "ok",
      "folder docs is synced there already",
    ],
  );
});

/**
 * Make `sub/` of b's folder the root of another folder b syncs, as a home
 * made before the place check could hold it: b shares `other` elsewhere,
 * and its record is pointed at `sub/` (the check refuses it today).
 */
async function nestedOnB(b: Device, rb: string): Promise<void> {
  const other = b.tmp.path("other");
  await Deno.mkdir(other);
  await b.ok(["--no-sync", "folder", "add", other, "--id", "other"]);
  await Deno.rename(join(other, MARKER_NAME), join(rb, "sub", MARKER_NAME));
  const db = new DatabaseSync(homePaths(b.home).db);
  try {
    db.prepare("UPDATE folder_local SET root = ? WHERE folder = 'other'").run(join(rb, "sub"));
  } finally {
    db.close();
  }
}

Deno.test("nothing a peer publishes is written under another folder synced here inside the folder", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, "sub/x.txt", "one\n");
      await put(ra, "top.txt", "top\n");
    },
  });
  await syncOk(b);
  await nestedOnB(b, rb);
  await put(ra, "sub/x.txt", "a's edit\n");
  await Deno.remove(join(ra, "top.txt"));
  await syncOk(a);
  await syncNow(b);
  assert.equal(await text(rb, "sub/x.txt"), "one\n", "written into the nested folder");
  assert.equal(await text(rb, "top.txt"), undefined, "the rest still syncs");
  await Deno.remove(join(ra, "sub"), { recursive: true });
  await syncOk(a);
  await syncNow(b);
  assert.equal(await text(rb, "sub/x.txt"), "one\n", "a deletion reached the nested folder");
});
