/**
 * Hostile or broken members: a peer that serves wrong bytes for chunks is
 * dropped and the chunks come from another peer; a member's signed file
 * version with a path that climbs out (`../x`) is refused as a whole entry;
 * a version whose path runs through a symlink on this disk is never written
 * through it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { type Device, devices, folderOf, put, rounds, syncNow } from "./_helpers.ts";
import { rogueDials } from "../sync/_rogue.ts";

/** The rogue publishes one file version of folder docs at `path` to `victim` (fixtures/rogue_peer.ts). */
function publishes(rogue: Device, victim: Device, path: string, extra: string[] = []) {
  return rogueDials(rogue, victim, "file_version", ["--path", path, ...extra]);
}

Deno.test("a peer serving wrong bytes is dropped and the chunks come from another peer", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  // a shares; c joins and gets the file; b joins last.
  for (const [x, y] of [[a, b], [a, c], [b, c]]) await devs.peer(x, y);
  for (const d of devs.list) await d.serve();
  const ra = folderOf(a), rb = folderOf(b), rc = folderOf(c);
  await Deno.mkdir(ra);
  const data = pseudoRandomBytes(6 << 20, 11);
  await put(ra, "photo.raw", data);
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await syncNow(c);
  await c.ok(["--no-sync", "folder", "join", "docs", rc]);
  await syncNow(c);
  assert.deepEqual(await Deno.readFile(join(rc, "photo.raw")), data);

  // c's copy rots in place: same size, same mtime, same inode, other bytes.
  const info = await Deno.stat(join(rc, "photo.raw"));
  const f = await Deno.open(join(rc, "photo.raw"), { write: true });
  await f.write(pseudoRandomBytes(6 << 20, 99));
  f.close();
  await Deno.utime(join(rc, "photo.raw"), info.atime!, info.mtime!);
  // Rot leaves the ctime alone too; writing it here did not. c's index takes
  // the new ctime, so nothing c can look at tells: its serve sends the rotten
  // bytes as the chunk. (Before, the test relied on the write falling in the
  // second c placed the file; on a loaded machine c saw the new ctime, hashed
  // what it read and declined, and no wrong bytes ever went out.)
  const ctime = (await Deno.stat(join(rc, "photo.raw"))).ctime!.getTime();
  const db = new DatabaseSync(homePaths(c.home).db);
  try {
    const set = db.prepare("UPDATE file_index SET ctime = ?, racy = 0 WHERE path = ?")
      .run(ctime, "photo.raw");
    assert.equal(Number(set.changes), 1, "c's index row of photo.raw");
  } finally {
    db.close();
  }

  await syncNow(b);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  const r = await syncNow(b);
  assert.deepEqual(await Deno.readFile(join(rb, "photo.raw")), data, r.stdout + r.stderr);
  assert.match(r.stderr, /c: sent wrong bytes for chunk [0-9a-f]{16}/);
});

/** Device a sharing a folder (serving), and a rogue member whose log a holds up to its head. */
async function rogueAndFolder() {
  const devs = await devices(["a", "rogue"]);
  const [a, rogue] = devs.list;
  const ra = folderOf(a);
  try {
    await devs.peer(a, rogue);
    await Deno.mkdir(ra);
    await put(ra, "ok.txt", "fine\n");
    await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
    await a.serve();
    await syncNow(rogue);
  } catch (e) {
    await devs[Symbol.asyncDispose]();
    throw e;
  }
  return { devs, a, rogue, ra };
}

Deno.test("a member's file version with a path out of the folder is refused whole", async () => {
  const { devs, a, rogue, ra } = await rogueAndFolder();
  await using _devs = devs;
  const report = await publishes(rogue, a, "../x");
  assert.deepEqual(report.stored, { accepted: 0, refused: 1 });
  // The server logs the session once it has ended, after the rogue had its
  // answer: waited for (a fixed 300 ms could pass first on a loaded machine).
  await a.server!.waitFor(/refused 1 entry: .*\. or \.\. segment/, {
    stream: "stderr",
    timeoutMs: 15_000,
  });
  await syncNow(a);
  assert.equal(await Deno.lstat(join(ra, "..", "x")).catch(() => null), null);
  const log = await a.ok(["log", "--json"]);
  assert.doesNotMatch(log.stdout, /\.\.\/x/);
});

Deno.test("a member's version spelling mycel's own files in another case is never written", async () => {
  // Where the file system ignores case, .MYCEL/ignore would be this device's local ignore file.
  // The entry is valid (entries keep the rule they always had: refusing it would stop the
  // member's chain on every device); no device writes it.
  const { devs, a, rogue, ra } = await rogueAndFolder();
  await using _devs = devs;
  const report = await publishes(rogue, a, ".MYCEL/ignore");
  assert.deepEqual(report.stored, { accepted: 1, refused: 0 });
  const r = await syncNow(a);
  assert.match(r.stderr, /\.MYCEL\/ignore: it is one of mycel's own files/, r.stdout + r.stderr);
  const names = [...Deno.readDirSync(ra)].map((e) => e.name);
  assert.ok(!names.includes(".MYCEL"), `written: ${names}`);
  assert.equal(await Deno.lstat(join(ra, ".mycel", "ignore")).catch(() => null), null);
});

Deno.test("a version whose path runs through a symlink here is never written through it", async () => {
  await using devs = await devices(["a", "rogue"]);
  const [a, rogue] = devs.list;
  await devs.peer(a, rogue);
  const ra = folderOf(a);
  const outside = a.tmp.path("outside");
  await Deno.mkdir(ra);
  await Deno.mkdir(outside);
  await Deno.symlink(outside, join(ra, "ln"));
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await a.serve();
  await syncNow(rogue);
  const report = await publishes(rogue, a, "ln/x");
  assert.deepEqual(report.stored, { accepted: 1, refused: 0 });
  // ln and ln/x can't both be on a disk: the folder takes the name, the link
  // goes to its conflict copy (folder_plan.ts) — and nothing is ever written
  // through the link, before or after it moves.
  const r = await syncNow(a);
  assert.doesNotMatch(r.stderr, /internal error/, r.stdout + r.stderr);
  assert.deepEqual([...Deno.readDirSync(outside)], []);
  await rounds([a], 1);
  assert.deepEqual([...Deno.readDirSync(outside)], []);
  // (x itself never arrives: the rogue serves no chunks.)
  const ln = await Deno.lstat(join(ra, "ln")).catch(() => null);
  assert.ok(ln === null || ln.isDirectory, "ln is no longer a link");
  const copies = [...Deno.readDirSync(ra)].filter((e) => e.name.startsWith("ln.sync-conflict-"));
  assert.equal(copies.length, 1, "the link is kept as its conflict copy");
  assert.equal(await Deno.readLink(join(ra, copies[0].name)), outside);
});

for (const [what, path] of [["file", `sub/${MARKER_NAME}`], ["folder", `sub/${MARKER_NAME}/x`]]) {
  Deno.test(`a .mycel-folder ${what} a member publishes inside the folder is content: that part keeps syncing`, async () => {
    // A marker file found on disk makes its folder apart (another synced
    // folder's root); one the member wrote through the folder's state — or a
    // folder of that name, made by a path under it — must not, or any member
    // could make every device stop syncing any part of a folder.
    const { devs, a, rogue, ra } = await rogueAndFolder();
    await using _devs = devs;
    await put(ra, "sub/x.txt", "one\n");
    await a.ok(["--no-sync", "folder", "scan"]);
    const report = await publishes(rogue, a, path, ["--empty"]);
    assert.deepEqual(report.stored, { accepted: 1, refused: 0 });
    await syncNow(a);
    assert.ok(await Deno.lstat(join(ra, path)).then(() => true, () => false), "written");
    await put(ra, "sub/x.txt", "two\n");
    const scan = await a.tmp.json<{ published: number; skipped: { path: string }[] }[]>([
      "--no-sync",
      "folder",
      "scan",
      "--json",
    ]);
    assert.equal(scan[0].published, 1, JSON.stringify(scan));
    assert.deepEqual(scan[0].skipped, [], "sub/ was left out");
  });
}
