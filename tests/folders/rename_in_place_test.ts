/**
 * Files renamed or moved on one device are renamed on the others, with real
 * processes (src/sync/folder_apply_moves.ts):
 * - a folder renamed and a file moved into another folder arrive as renames:
 *   the same file (inode) at its new name, nothing fetched, nothing kept
 *   under `.mycel/versions`, the old folder gone. Before, each file was
 *   copied from its chunks and the old one kept: a second copy of every
 *   renamed byte for 30 days (a 460 MiB folder renamed: 4–7 s and 460 MiB
 *   more on each other device);
 * - the device where the folder was renamed does not read its files again:
 *   a new path with the very stat of an indexed file (inode, size, mtime,
 *   ctime, exec) takes that file's chunk list (folder_scan_same.ts; a 3.6
 *   GB folder renamed took the scan 33 s, now under 2 s);
 * - on a disk without room for a second copy (a tmpfs, root) the rename
 *   arrives whole. Before, the copy failed ("the disk holding the folder is
 *   full") while the removal went on: the file was at neither name, every
 *   round after said the disk was full, and only `.mycel/versions` held it;
 * - files swapped and a chain of moves (x -> y -> z) made in one scan arrive
 *   in one round with every content where it went (a write over a file the
 *   index holds is never taken for a rename), and a file of this device's
 *   own at a moved file's new name is kept: both end up there, one as the
 *   conflict copy.
 */

import assert from "node:assert/strict";
import { RACY_MS } from "../../src/files/scan_file.ts";
import { sleep } from "../helpers/process.ts";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { describe } from "../helpers/mycel.ts";
import {
  devices,
  keptFiles,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncNow,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

const ino = (path: string) => Deno.lstatSync(path).ino;

Deno.test("a folder renamed and a file moved elsewhere are renamed here: same file, nothing fetched or kept", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "photos/one.jpg", pseudoRandomBytes(600_000, 1));
  await put(ra, "photos/two.jpg", pseudoRandomBytes(300_000, 2));
  await put(ra, "notes/todo.txt", "milk\n");
  // Other files, so that the paths gone are not "more than half the folder" (held).
  for (const n of ["w", "x", "y", "z"]) await put(ra, `${n}.txt`, `${n}\n`);
  await rounds([a, b], 1);
  const before = [ino(join(rb, "photos/one.jpg")), ino(join(rb, "photos/two.jpg"))];
  const todo = ino(join(rb, "notes/todo.txt"));

  await Deno.rename(join(ra, "photos"), join(ra, "album 2026"));
  await Deno.rename(join(ra, "notes/todo.txt"), join(ra, "todo.txt"));
  await syncOk(a);
  const r = await syncOk(b);
  assert.doesNotMatch(r.stdout, /fetched/, `renamed on b's disk:\n${r.stdout}`);
  assert.deepEqual(await listTree(rb), [
    "album 2026/one.jpg",
    "album 2026/two.jpg",
    "todo.txt",
    "w.txt",
    "x.txt",
    "y.txt",
    "z.txt",
  ]);
  assert.deepEqual(
    [ino(join(rb, "album 2026/one.jpg")), ino(join(rb, "album 2026/two.jpg"))],
    before,
    "the same files, renamed",
  );
  assert.equal(ino(join(rb, "todo.txt")), todo);
  assert.deepEqual((await keptFiles(rb)).map((k) => k.path), [], "nothing kept: it is all there");
  assert.equal(await Deno.lstat(join(rb, "photos")).catch(() => null), null, "old folder left");
  await rounds([a, b], 1);
  assert.equal(await treeHash(rb), await treeHash(ra));
  // Served from the new name: a third look at the files finds them where they are.
  const st = await b.ok(["--no-sync", "folder", "status", "docs"]);
  assert.match(st.stdout, /b \(this device\): in sync/, st.stdout);
});

Deno.test("a folder renamed is scanned without reading its files again, and arrives renamed", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "photos/one.jpg", pseudoRandomBytes(3 << 20, 4)); // a manifest's worth of chunks
  await put(ra, "photos/two.jpg", pseudoRandomBytes(300_000, 5));
  for (const n of ["w", "x", "y"]) await put(ra, `${n}.txt`, `${n}\n`);
  await rounds([a, b], 1);
  // Scanned within RACY_MS of their writes, the rows are read once more
  // (scan_file.ts racyStat) and trusted only then.
  await sleep(RACY_MS);
  await a.ok(["--no-sync", "folder", "scan", "docs"]);
  await Deno.rename(join(ra, "photos"), join(ra, "photos 2026"));
  type Scan = { hashed_files: number; published: number };
  const [scan] = await a.tmp.json<Scan[]>(["--no-sync", "folder", "scan", "docs", "--json"]);
  assert.deepEqual(
    [scan.hashed_files, scan.published],
    [0, 4],
    `the renamed files were read again: ${JSON.stringify(scan)}`,
  );
  const r = await syncOk(b);
  assert.doesNotMatch(r.stdout, /fetched/, r.stdout);
  assert.deepEqual(await listTree(rb), [
    "photos 2026/one.jpg",
    "photos 2026/two.jpg",
    "w.txt",
    "x.txt",
    "y.txt",
  ]);
  assert.equal(await treeHash(rb), await treeHash(ra));
  // Edited after the rename, the file is read: its stat is not the old row's.
  await put(ra, "photos 2026/two.jpg", pseudoRandomBytes(300_000, 6));
  const [again] = await a.tmp.json<Scan[]>(["--no-sync", "folder", "scan", "docs", "--json"]);
  assert.equal(again.hashed_files, 1, JSON.stringify(again));
  await syncOk(b);
  assert.equal(await treeHash(rb), await treeHash(ra));
});

const ROOT = Deno.uid() === 0;
const IN_CI = Deno.env.get("CI") !== undefined;
if (!ROOT && !IN_CI) {
  console.log("rename_in_place_test: skipped a case: mounting a tmpfs needs root");
}

async function sh(cmd: string, args: string[]): Promise<void> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  }
}

Deno.test({
  name: "a file renamed elsewhere arrives whole on a disk without room for a second copy",
  ignore: !ROOT && !IN_CI,
  async fn() {
    const disk = await Deno.makeTempDir({ prefix: "mycel-tmpfs-" });
    await sh("mount", ["-t", "tmpfs", "-o", "size=5m", "tmpfs", disk]);
    try {
      await using devs = await devices(["a", "b"]);
      const [a, b] = devs.list;
      const body = pseudoRandomBytes(3 << 20, 3);
      const [ra, rb] = await sharedFolder(devs, "docs", {
        roots: [undefined, join(disk, "docs")],
        seed: async (ra) => {
          await put(ra, "video.mp4", body);
          for (const n of ["x", "y", "z"]) await put(ra, `${n}.txt`, `${n}\n`);
        },
      });
      await syncOk(b);
      await Deno.rename(join(ra, "video.mp4"), join(ra, "holiday.mp4"));
      await syncOk(a);
      const r = await syncNow(b);
      assert.equal(r.code, 0, describe(["sync", "now"], r));
      assert.deepEqual(await listTree(rb), ["holiday.mp4", "x.txt", "y.txt", "z.txt"]);
      assert.deepEqual(await Deno.readFile(join(rb, "holiday.mp4")), body);
      assert.deepEqual((await keptFiles(rb)).map((k) => k.path), []);
    } finally {
      await sh("umount", [disk]).catch(() => sh("umount", ["-l", disk]));
      await Deno.remove(disk, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name:
    "a file on another file system with the inode, size and times of an indexed file is read, not taken for it",
  ignore: !ROOT && !IN_CI,
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      seed: async (ra) => {
        for (const n of ["w", "x", "y", "z"]) await put(ra, `${n}.txt`, `${n}\n`);
      },
    });
    await syncOk(b);
    const stick = await Deno.makeTempDir({ prefix: "mycel-tmpfs-" });
    const mounted: string[] = [];
    const mount = async (at: string) => {
      await sh("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", at]);
      mounted.unshift(at);
    };
    const umountAll = async () => {
      for (const at of mounted.splice(0)) {
        await sh("umount", [at]).catch(() => sh("umount", ["-l", at]));
      }
    };
    try {
      // Two small file systems number their files alike; written in one clock
      // tick with a time set (tar, cp -p), two files share inode, size, mtime
      // and ctime, and not their bytes.
      const card = join(ra, "card");
      await Deno.mkdir(card);
      const day = new Date("2020-01-01T00:00:00Z");
      let twins = false;
      for (let i = 0; i < 50 && !twins; i++) {
        await umountAll();
        await mount(card);
        await mount(stick);
        Deno.writeFileSync(join(card, "a.bin"), new TextEncoder().encode("AAAA"));
        Deno.writeFileSync(join(stick, "a.bin"), new TextEncoder().encode("BBBB"));
        Deno.utimeSync(join(card, "a.bin"), day, day);
        Deno.utimeSync(join(stick, "a.bin"), day, day);
        const [p, q] = [join(card, "a.bin"), join(stick, "a.bin")].map((f) => Deno.lstatSync(f));
        twins = p.ino === q.ino && p.size === q.size &&
          p.mtime!.getTime() === q.mtime!.getTime() && p.ctime!.getTime() === q.ctime!.getTime();
      }
      if (!twins) {
        console.log("rename_in_place_test: no twin files in 50 tries; case not checked");
        return;
      }
      await syncOk(a); // card/a.bin indexed
      await syncOk(b);
      // The stick mounted in the folder too, the card still there.
      const usb = join(ra, "usb");
      await Deno.mkdir(usb);
      await sh("mount", ["--bind", stick, usb]);
      mounted.unshift(usb);
      await syncOk(a);
      await syncOk(b);
      assert.equal(await Deno.readTextFile(join(rb, "card/a.bin")), "AAAA");
      assert.equal(
        await Deno.readTextFile(join(rb, "usb/a.bin")),
        "BBBB",
        "the stick's file arrived with the card's bytes",
      );
    } finally {
      await umountAll();
      await Deno.remove(stick, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("a file made in a deleted file's inode within the second of its scan, with its size and time, is read", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      for (const n of ["p", "q", "r", "s", "t"]) await put(ra, `${n}.txt`, `${n}\n`);
    },
  });
  await syncOk(b);
  // Deno gives ctime in whole seconds, and a freed inode is given again at once.
  const day = new Date("2020-01-01T00:00:00Z");
  for (let i = 0; i < 20; i++) {
    while (Date.now() % 1000 > 50) await new Promise((r) => setTimeout(r, 5));
    const old = join(ra, `old${i}.bin`);
    Deno.writeFileSync(old, pseudoRandomBytes(4000, 10 + i));
    Deno.utimeSync(old, day, day);
    const was = Deno.lstatSync(old);
    await a.ok(["--no-sync", "folder", "scan", "docs"]);
    Deno.removeSync(old);
    const made = join(ra, `new${i}.bin`);
    const body = pseudoRandomBytes(4000, 100 + i);
    Deno.writeFileSync(made, body);
    Deno.utimeSync(made, day, day);
    const is = Deno.lstatSync(made);
    if (is.ino !== was.ino || is.ctime!.getTime() !== was.ctime!.getTime()) {
      Deno.removeSync(made);
      continue;
    }
    await syncOk(a);
    await syncOk(b);
    assert.deepEqual(
      await Deno.readFile(join(rb, `new${i}.bin`)),
      body,
      "published with the deleted file's chunks",
    );
    return;
  }
  console.log(
    "rename_in_place_test: no inode given again within one second in 20 tries; not checked",
  );
});

Deno.test("files swapped and a chain of moves made in one scan arrive in one round: every content where it went, none lost, an unsynced file at a new name kept", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const body = (n: string) => `${n} `.repeat(2000); // past one chunk's minimum: a file of its own
  for (const n of ["p", "q", "x", "y", "k", "w1", "w2", "w3", "w4", "w5"]) {
    await put(ra, `${n}.txt`, body(n));
  }
  await rounds([a, b], 1);
  // On a: p and q swapped (through a third name), x -> y -> z (z new), k -> u.
  await Deno.rename(join(ra, "p.txt"), join(ra, "t.txt"));
  await Deno.rename(join(ra, "q.txt"), join(ra, "p.txt"));
  await Deno.rename(join(ra, "t.txt"), join(ra, "q.txt"));
  await Deno.rename(join(ra, "y.txt"), join(ra, "z.txt"));
  await Deno.rename(join(ra, "x.txt"), join(ra, "y.txt"));
  await Deno.rename(join(ra, "k.txt"), join(ra, "u.txt"));
  await syncOk(a);
  // On b, a file of its own at u.txt, made after its last scan and before the round's
  // writes: the rename from k must not take its name.
  await put(rb, "u.txt", "b's own, not synced yet\n");
  const r = await syncNow(b);
  assert.notEqual(r.code, 1, describe(["sync", "now"], r));
  for (const [path, from] of [["p.txt", "q"], ["q.txt", "p"], ["y.txt", "x"], ["z.txt", "y"]]) {
    assert.equal(await Deno.readTextFile(join(rb, path)), body(from), path);
  }
  assert.equal(await Deno.lstat(join(rb, "x.txt")).catch(() => null), null);
  await rounds([a, b], 2);
  const tree = await listTree(rb);
  const copy = tree.find((p) => p.startsWith("u.sync-conflict-"));
  assert.ok(copy !== undefined, `both kept at u.txt: ${tree.join(", ")}`);
  const u = [await text(rb, "u.txt"), await text(rb, copy)].sort();
  assert.deepEqual(u, [body("k"), "b's own, not synced yet\n"].sort());
  assert.equal(await treeHash(rb), await treeHash(ra));
});
