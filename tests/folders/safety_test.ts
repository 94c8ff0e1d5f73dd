/**
 * The folder safety rules on real processes: a folder whose marker is gone
 * (an unmounted disk) is stopped with a clear error and deletes nothing
 * anywhere; a scan that would delete more than half of a folder holds the
 * deletions until confirmed; ignored files stay home (shared rules in
 * `.mycelignore`, local ones in `.mycel/ignore`); a kept version comes back
 * with `folder restore` and travels as a change; `folder versions` and
 * `folder restore` print its time as local time with the UTC offset (ISO
 * 8601 UTC with --json).
 */

import assert from "node:assert/strict";
import { RACY_MS } from "../../src/files/scan_file.ts";
import { sleep } from "../helpers/process.ts";
import { join } from "node:path";
import {
  type Devices,
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncNow,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

Deno.test("a folder whose marker is gone is stopped, and nothing is deleted anywhere", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  for (let i = 0; i < 6; i++) await put(ra, `f${i}.txt`, `file ${i}\n`);
  await rounds([a, b], 1);
  assert.equal((await listTree(rb)).length, 6);
  type Stopped = { id: string; path: string; stopped: string; hint: string | null };
  const stoppedHere = async () =>
    (await a.tmp.json<{ stopped_folders: Stopped[] }>(["status", "--json"])).stopped_folders;
  assert.deepEqual(await stoppedHere(), []);

  // The disk "unmounts": the folder is empty, marker included.
  for await (const e of Deno.readDir(ra)) await Deno.remove(join(ra, e.name), { recursive: true });
  // status says so too, in one line with what to do (before: only folder status and doctor did).
  const said = (await a.tmp.ok(["status"])).stdout.split("\n").filter((l) => /^folder: /.test(l));
  // And, as `folder restore` did alone before, the way back when only the
  // marker went (a `cp dir/*`, a clean-up of dot files): the folder is there.
  const recreate =
    `If the folder is really there, recreate the marker: touch '${ra}/.mycel-folder'`;
  assert.deepEqual(said, [
    `folder: docs at ${ra} stopped: marker missing — disk not mounted, or the folder moved? ` +
    `If it moved: \`mycel folder move docs NEWPATH\` (nothing is fetched again). ${recreate}`,
  ]);
  assert.deepEqual(await stoppedHere(), [{
    id: "docs",
    path: ra,
    stopped: "marker missing — disk not mounted, or the folder moved?",
    hint: `If it moved: \`mycel folder move docs NEWPATH\` (nothing is fetched again). ${recreate}`,
  }]);
  // folder status says so at once, before any round (it said "in sync" until one ran).
  type Standing = { name: string; state: string; stopped: string | null };
  const now = await a.tmp.json<{ devices: Standing[] }[]>([
    "--no-sync",
    "folder",
    "status",
    "--json",
  ]);
  const self = now[0].devices.find((d) => d.name === "a")!;
  assert.equal(self.state, "stopped");
  assert.match(self.stopped ?? "", /marker missing/);
  // Its text says why once, and what to do as `sync now` does (before: "stopped (folder
  // stopped: marker missing …)" and no way out).
  const text = (await a.tmp.ok(["--no-sync", "folder", "status"])).stdout;
  assert.ok(
    text.includes(
      "  a (this device): stopped (marker missing — disk not mounted, or the folder moved?)\n" +
        "    if it moved: `mycel folder move docs NEWPATH` (nothing is fetched again)\n" +
        `    ${recreate[0].toLowerCase()}${recreate.slice(1)}\n`,
    ),
    text,
  );
  const doctor = await a.tmp.run(["--no-sync", "doctor", "--json"]);
  const found = JSON.parse(doctor.stdout).findings.filter((f: { check: string }) =>
    f.check === "folder"
  );
  assert.equal(found.length, 1, doctor.stdout);
  assert.match(found[0].detail, /^folder docs at .*: folder stopped: marker missing/);
  assert.ok(found[0].hint.endsWith(recreate), found[0].hint);
  const r = await syncNow(a);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  // The line names where (before: "folder docs stopped: …", the path only in a hint).
  assert.ok(
    r.stderr.includes(
      `folder docs at ${ra} stopped: marker missing — disk not mounted, or the folder moved?\n`,
    ),
    r.stderr,
  );
  assert.ok(r.stderr.includes(`\n  ${recreate[0].toLowerCase()}${recreate.slice(1)}\n`), r.stderr);
  const scan = await a.tmp.run(["--no-sync", "folder", "scan", "docs"]);
  assert.equal(scan.code, 1, scan.stderr);
  assert.ok(scan.stderr.includes(`\nhint: ${recreate}\n`), scan.stderr);
  // Under --json: the peers' outcomes on stdout, the failure as the JSON error on stderr.
  const j = await syncNow(a, ["--json"]);
  assert.equal(j.code, 1, j.stdout + j.stderr);
  assert.ok(Array.isArray(JSON.parse(j.stdout)), j.stdout);
  assert.equal(j.stderr.trim().split("\n").length, 1, `only the JSON error: ${j.stderr}`);
  const e = JSON.parse(j.stderr.trim()).error;
  assert.equal(e.code, "folder_stopped", j.stderr);
  assert.match(e.message, /^Cannot sync folder docs: folder stopped: marker missing/);
  assert.match(e.hint, /mycel folder move docs NEWPATH/);
  assert.ok(e.hint.endsWith(recreate), e.hint);
  await rounds([b, a], 2);
  assert.equal((await listTree(rb)).length, 6, "b lost nothing");
  assert.deepEqual(await listTree(ra), [], "nothing was written into the empty mount point");
  const st = await b.tmp.json<{ devices: { name: string; state: string; stopped: string }[] }[]>(
    ["folder", "status", "--json"],
  );
  const ofA = st[0].devices.find((d) => d.name === "a")!;
  assert.equal(ofA.state, "stopped");
  assert.match(ofA.stopped, /marker missing/);
  // Another device's line gives the reason once too, and no hint of what to do there.
  const onB = (await b.tmp.ok(["--no-sync", "folder", "status"])).stdout;
  assert.ok(
    onB.includes(
      `  a (${
        a.id.slice(0, 7)
      }): stopped (marker missing — disk not mounted, or the folder moved?)\n`,
    ),
    onB,
  );
  assert.doesNotMatch(onB, /mycel folder move|recreate the marker/, onB);
});

Deno.test("a folder moved on this device is stopped with the way to move it; `folder move` reads and fetches nothing, and it syncs there", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  for (let i = 0; i < 4; i++) await put(ra, `f${i}.txt`, `file ${i}\n`);
  await rounds([a, b], 1);
  // Files fetched are recorded as placed, within RACY_MS of their write: the
  // next scan reads them once (scan_file.ts racyStat), and later ones trust them.
  await sleep(RACY_MS);
  await b.ok(["--no-sync", "folder", "scan", "docs"]);
  const moved = b.tmp.path("moved-docs");
  await Deno.rename(rb, moved);

  const r = await syncNow(b);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  // Where it was: the path it moved from, which a hint of a moved folder names nowhere else.
  assert.ok(
    r.stderr.includes(
      `folder docs at ${rb} stopped: marker missing — disk not mounted, or the folder moved?\n`,
    ),
    r.stderr,
  );
  assert.match(
    r.stderr,
    /if it moved: `mycel folder move docs NEWPATH` \(nothing is fetched again\)/,
  );
  const again = await b.run(["--no-sync", "folder", "join", "docs", moved]);
  assert.equal(again.code, 2, again.stderr);
  assert.match(
    again.stderr,
    /already syncs it \(docs at .*\)\nhint: If you moved it: `mycel folder move docs NEWPATH`/,
  );

  const mv = await b.tmp.json<{
    path: string;
    was: string;
    moved: boolean;
    scan: { published: number; hashed_files: number; present: number };
  }>(["--no-sync", "folder", "move", "docs", moved, "--json"]);
  assert.deepEqual([mv.path, mv.was, mv.moved], [await Deno.realPath(moved), rb, true]);
  assert.deepEqual(
    [mv.scan.published, mv.scan.hashed_files, mv.scan.present],
    [0, 0, 4],
    "a rename on the same disk: nothing read again, nothing published",
  );
  const st = await b.tmp.json<{ devices: { self: boolean; state: string }[] }[]>(
    ["--no-sync", "folder", "status", "--json"],
  );
  assert.equal(st[0].devices.find((d) => d.self)?.state, "in_sync", "no longer stopped");
  const back = await syncOk(b);
  assert.doesNotMatch(back.stdout, /fetched/, back.stdout);
  // It syncs at the new place, both ways.
  await put(ra, "new-on-a.txt", "from a\n");
  await put(moved, "new-on-b.txt", "from b\n");
  await syncOk(a);
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(moved, "new-on-a.txt"), "from a\n");
  assert.equal(await text(ra, "new-on-b.txt"), "from b\n");
  assert.equal(await treeHash(moved), await treeHash(ra));
  // Run again: nothing to change.
  const same = await b.ok(["--no-sync", "folder", "move", "docs", moved]);
  assert.match(same.stdout, /already synced at .*; nothing changed/);

  // To another disk (/dev/shm, where it is a tmpfs): `mv` copies, keeping
  // modification times; files are read again, nothing is published or fetched.
  const other = await otherDisk(moved);
  if (other === undefined) {
    console.log("skipped the move to another disk: /dev/shm is not another file system here");
    return;
  }
  try {
    const far = join(other, "docs");
    const cp = await new Deno.Command("mv", { args: [moved, far] }).output();
    assert.ok(cp.success, new TextDecoder().decode(cp.stderr));
    const mv2 = await b.tmp.json<{ scan: { published: number; hashed_files: number } }>(
      ["--no-sync", "folder", "move", "docs", far, "--json"],
    );
    assert.deepEqual([mv2.scan.published, mv2.scan.hashed_files], [0, 6]);
    const r2 = await syncOk(b);
    assert.doesNotMatch(r2.stdout, /fetched|applied/, r2.stdout);
    assert.equal(await treeHash(far), await treeHash(ra));
  } finally {
    await Deno.remove(other, { recursive: true });
  }
});

/** A fresh folder on another file system than `path` (/dev/shm), or undefined. */
async function otherDisk(path: string): Promise<string | undefined> {
  try {
    const here = (await Deno.stat(path)).dev;
    if ((await Deno.stat("/dev/shm")).dev === here) return undefined;
    return await Deno.makeTempDir({ dir: "/dev/shm", prefix: "mycel-move-" });
  } catch {
    return undefined;
  }
}

/**
 * Two devices sharing a folder: `count` files `${prefix}${i}.txt` (text
 * `${word} ${i}\n`) put on a and synced to b, then the first `deleted` of
 * them deleted on a (not synced yet).
 */
async function syncedThenDeleted(
  devs: Devices,
  count: number,
  deleted: number,
  prefix: string,
  word: string,
): Promise<[string, string]> {
  const [ra, rb] = await sharedFolder(devs);
  for (let i = 0; i < count; i++) await put(ra, `${prefix}${i}.txt`, `${word} ${i}\n`);
  await rounds(devs.list, 1);
  for (let i = 0; i < deleted; i++) await Deno.remove(join(ra, `${prefix}${i}.txt`));
  return [ra, rb];
}

Deno.test("a scan deleting more than half of a folder holds the deletions until --yes", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [, rb] = await syncedThenDeleted(devs, 6, 4, "f", "file");
  const held = await syncNow(a);
  assert.match(held.stderr, /4 of 6 files are gone on disk: the deletions are held/);
  await syncOk(b);
  assert.equal((await listTree(rb)).length, 6, "nothing deleted before confirmation");
  const st = await a.ok(["folder", "status", "docs"]);
  assert.match(st.stdout, /4 deletions held here: confirm with `mycel folder scan docs --yes`/);

  await a.ok(["folder", "scan", "docs", "--yes"]);
  await syncOk(a);
  await syncOk(b);
  assert.deepEqual(await listTree(rb), ["f4.txt", "f5.txt"]);
});

Deno.test("held deletions stay held when the folder grows, until --yes; a renamed folder is no mass deletion", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await syncedThenDeleted(devs, 10, 6, "d", "doc");
  const held = await syncNow(a);
  assert.match(held.stderr, /6 of 10 files are gone on disk: the deletions are held/);
  // Files arrive from b: 6 of 13 is under half, but nobody confirmed.
  for (let i = 0; i < 3; i++) await put(rb, `new${i}.txt`, `new ${i}\n`);
  await syncOk(b);
  await syncNow(a);
  await syncNow(a);
  await syncOk(b);
  assert.equal(await text(rb, "d0.txt"), "doc 0\n", "the held deletions went out unasked");
  await a.ok(["folder", "scan", "docs", "--yes"]);
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "d0.txt"), undefined, "confirmed deletions arrive");

  // A folder renamed: its files are gone under the old name and back under the new one.
  for (let i = 0; i < 8; i++) await put(ra, `photos/p${i}.jpg`, `photo ${i}\n`);
  await rounds([a, b], 1);
  await Deno.rename(join(ra, "photos"), join(ra, "Photos 2025"));
  const renamed = await syncNow(a);
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.doesNotMatch(renamed.stderr, /held/);
  await syncOk(b);
  assert.equal(await text(rb, "Photos 2025/p0.jpg"), "photo 0\n");
  assert.equal(await text(rb, "photos/p0.jpg"), undefined);
  assert.equal(
    await Deno.lstat(join(rb, "photos")).catch(() => null),
    null,
    "an empty husk stayed",
  );
});

Deno.test("a mass deletion asks about and holds only the losses: files renamed in the same scan move at once", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  // Six deleted (a loss past half of ten), two renamed (no loss at all).
  const [ra, rb] = await syncedThenDeleted(devs, 10, 6, "d", "doc");
  await Deno.mkdir(join(ra, "moved"));
  for (const i of [6, 7]) await Deno.rename(join(ra, `d${i}.txt`), join(ra, `moved/d${i}.txt`));
  const held = await syncNow(a);
  assert.match(held.stderr, /6 of 10 files are gone on disk: the deletions are held/);
  const st = await a.ok(["folder", "status", "docs"]);
  assert.match(st.stdout, /6 deletions held here/);
  await syncOk(b);
  assert.deepEqual(await listTree(rb), [
    "d0.txt",
    "d1.txt",
    "d2.txt",
    "d3.txt",
    "d4.txt",
    "d5.txt",
    "d8.txt",
    "d9.txt",
    "moved/d6.txt",
    "moved/d7.txt",
  ]);
});

Deno.test("one file written under a new name excuses one deletion of its contents, an empty file none: deleting duplicates is held", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  for (let i = 0; i < 6; i++) await put(ra, `copy${i}.txt`, "the same\n");
  for (let i = 0; i < 4; i++) await put(ra, `empty${i}`, "");
  await put(ra, "other.txt", "other\n");
  await rounds([a, b], 1);
  // Six duplicates and four empty files deleted; one copy and one empty file
  // appear under new names: the copy excuses one deletion, the empty file
  // none, so 9 of 11 are gone (the one move goes out unasked).
  for (let i = 0; i < 6; i++) await Deno.remove(join(ra, `copy${i}.txt`));
  for (let i = 0; i < 4; i++) await Deno.remove(join(ra, `empty${i}`));
  await put(ra, "kept.txt", "the same\n");
  await put(ra, "new-empty", "");
  const held = await syncNow(a);
  assert.match(held.stderr, /9 of 11 files are gone on disk: the deletions are held/);
  await syncOk(b);
  assert.equal(await text(rb, "copy3.txt"), "the same\n", "the deletions went out unasked");
  assert.equal(await text(rb, "empty2"), "");
});

Deno.test("paths this device ignores are left alone: not overwritten, not fetched, not behind", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "big.bin", new Uint8Array(300_000).fill(1));
  await put(ra, "f1.txt", "one\n");
  await put(ra, "other.txt", "other\n");
  await rounds([a, b], 1);
  // b ignores both from now on, and changes big.bin itself.
  await put(rb, ".mycel/ignore", "big.bin\nf1.txt\n");
  await put(rb, "big.bin", "b's own\n");
  await put(ra, "big.bin", new Uint8Array(300_000).fill(2));
  await put(ra, "f1.txt", "a's edit\n");
  await put(ra, "other.txt", "other, edited\n");
  await syncOk(a);
  // other.txt's 14 bytes come; big.bin's 293 KiB never do.
  const first = await syncOk(b);
  assert.match(first.stdout, /1 change applied, 14 B fetched/, first.stdout);
  assert.doesNotMatch(first.stdout, /still to come/, first.stdout);
  const second = await syncOk(b);
  assert.doesNotMatch(second.stdout, /fetched|still to come|applied/, second.stdout);
  assert.equal(await text(rb, "big.bin"), "b's own\n");
  assert.equal(await text(rb, "f1.txt"), "one\n", "an ignored, unchanged file was overwritten");
  assert.equal(await text(rb, "other.txt"), "other, edited\n");
  const [st] = await b.tmp.json<{ devices: { self: boolean; state: string }[] }[]>(
    ["--no-sync", "folder", "status", "--json"],
  );
  assert.equal(st.devices.find((d) => d.self)?.state, "in_sync");
});

Deno.test("ignored files stay on their device; the shared rules travel, local ones do not", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, ".mycelignore", "*.tmp\nbuild/\n");
  await put(ra, "keep.txt", "keep\n");
  await put(ra, "scratch.tmp", "scratch\n");
  await put(ra, "build/out.o", "object\n");
  await put(ra, ".mycel/ignore", "private.txt\n");
  await put(ra, "private.txt", "only on a\n");
  await rounds([a, b], 1);
  assert.deepEqual(await listTree(rb), [".mycelignore", "keep.txt"]);

  // b's own ignored file stays on b as well (the shared rules reached it).
  await put(rb, "b-notes.tmp", "b only\n");
  await rounds([b, a], 1);
  assert.equal(await text(ra, "b-notes.tmp"), undefined);
  assert.equal(await text(ra, "private.txt"), "only on a\n");
});

Deno.test("a kept version comes back with folder restore and reaches the other device", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "essay.txt", "first draft\n");
  await rounds([a, b], 1);
  await put(rb, "essay.txt", "second draft\n");
  await rounds([b, a], 1);
  assert.equal(await text(ra, "essay.txt"), "second draft\n");
  // A zone with a half-hour offset and no summer time: the expected text is fixed.
  const india = { env: { TZ: "Asia/Kolkata" } };
  const kept = await a.tmp.json<{ version: number; kept: string }[]>(
    ["folder", "versions", join(ra, "essay.txt"), "--json"],
    india,
  );
  assert.match(kept[0].kept, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, "--json stays ISO UTC");
  const local = new Date(Date.parse(kept[0].kept) + 5.5 * 3600_000).toISOString()
    .replace("T", " ").replace(/\.\d{3}Z$/, " +05:30");
  const list = await a.ok(["folder", "versions", join(ra, "essay.txt")], india);
  assert.ok(list.stdout.startsWith(`1  ${local}  `), list.stdout);
  const restored = await a.ok(
    ["--no-sync", "folder", "restore", join(ra, "essay.txt"), "--version", "1"],
    india,
  );
  const replaced =
    /^The file it replaced is kept as \.mycel\/versions\/essay~\d{8}-\d{6}-\d{3}\.txt\.$/;
  const [said, keptAs, ...rest] = restored.stdout.split("\n");
  assert.equal(said, `Restored essay.txt from ${local}.`);
  assert.match(keptAs, replaced);
  assert.deepEqual(rest, [""]);
  assert.equal(await text(ra, "essay.txt"), "first draft\n");
  await rounds([a, b], 1);
  assert.equal(await text(rb, "essay.txt"), "first draft\n");
  const bad = await a.run(["folder", "restore", join(ra, "essay.txt"), "--version", "9"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /there are 2 kept versions/);
  const word = await a.run(["folder", "restore", join(ra, "essay.txt"), "--version", "abc"]);
  assert.equal(word.code, 2);
  assert.match(word.stderr, /--version takes a number from 1 \(abc\)/);
});

Deno.test("a restore is the newest change: it wins over an edit elsewhere it had not seen, which becomes the conflict copy", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "f.txt", "v1\n");
  await rounds([a, b], 1);
  await put(ra, "f.txt", "v2\n");
  await rounds([a, b], 1);
  // a edits again; b, before hearing of it, puts v1 back.
  await put(ra, "f.txt", "a's later edit\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await new Promise((r) => setTimeout(r, 1100));
  await b.ok(["--no-sync", "folder", "restore", join(rb, "f.txt"), "--version", "1"]);
  await rounds([a, b, a], 1);
  assert.equal(await text(rb, "f.txt"), "v1\n", "the restore lost");
  assert.equal(await text(ra, "f.txt"), "v1\n");
  const copies = (await listTree(ra)).filter((p) => p.includes("sync-conflict"));
  assert.equal(copies.length, 1, `${copies}`);
  assert.equal(await text(ra, copies[0]), "a's later edit\n", "a's edit is kept as the copy");
});
