/**
 * @module scan_test
 * scanFolder on real temporary folders: what it reports (files with their
 * chunks, symlinks as links, deletions), what it skips (ignored paths,
 * internals, special files, unsyncable names, files changing under it),
 * that unchanged files are not read, and its safety stops (marker missing
 * at the start or during the walk, mass deletions).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { chunkBytes } from "../../src/files/content_chunker.ts";
import { MemoryFileIndex } from "../../src/files/file_index.ts";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { scanFolder } from "../../src/files/scan.ts";
import { RACY_MS } from "../../src/files/scan_file.ts";
import type { ScanOptions, ScanResult } from "../../src/files/scan_types.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { runProcess, sleep } from "../helpers/process.ts";
import { pseudoRandomBytes, TEST_PARAMS, TEST_SEED, testFolder } from "./helpers.ts";

const OPTIONS: ScanOptions = { params: TEST_PARAMS, seed: TEST_SEED };

function paths(r: ScanResult): string[] {
  return r.changed.map((c) => c.path);
}

/**
 * Scan and apply to `index` as a scan made seconds after the writes would
 * (no row racy: these tests write and scan again at once); returns the result.
 */
async function scanInto(root: string, index: MemoryFileIndex, options = OPTIONS) {
  const r = await scanFolder(root, index, options);
  index.apply({ ...r, changed: r.changed.map((c) => ({ ...c, racy: false })) });
  return r;
}

Deno.test("a first scan reports every file with the chunks of its content", async () => {
  await using f = await testFolder();
  const big = pseudoRandomBytes(100_000, 1);
  await f.write("a.txt", "hello");
  await f.write("empty", "");
  await f.write("docs/big.bin", big);
  await f.write("docs/deep/x.sh", "#!/bin/sh\n");
  await Deno.chmod(f.abs("docs/deep/x.sh"), 0o755);
  const r = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
  assert.deepEqual(paths(r), ["a.txt", "docs/big.bin", "docs/deep/x.sh", "empty"]);
  const byPath = new Map(r.changed.map((c) => [c.path, c]));
  const bigEntry = byPath.get("docs/big.bin")!;
  assert.equal(bigEntry.kind, "file");
  if (bigEntry.kind !== "file") return;
  assert.equal(bigEntry.size, big.length);
  assert.deepEqual(bigEntry.chunks, await chunkBytes(big, TEST_PARAMS, TEST_SEED));
  assert.ok(bigEntry.chunks.length > 5);
  const sh = byPath.get("docs/deep/x.sh")!;
  assert.ok(sh.kind === "file" && sh.exec && !("exec" in bigEntry && bigEntry.exec));
  const empty = byPath.get("empty")!;
  assert.ok(empty.kind === "file" && empty.size === 0 && empty.chunks.length === 0);
  assert.deepEqual(r.deleted, []);
  assert.equal(r.massDelete, false);
  assert.equal(r.stats.hashedFiles, 4);
});

Deno.test("a re-scan with nothing changed reads no file at all", async () => {
  await using f = await testFolder();
  for (let i = 0; i < 30; i++) await f.write(`d${i % 3}/f${i}.bin`, pseudoRandomBytes(5000, i));
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  let chunksSeen = 0;
  const again = await scanFolder(f.root, index, { ...OPTIONS, onChunk: () => chunksSeen++ });
  assert.deepEqual(again.changed, []);
  assert.deepEqual(again.deleted, []);
  assert.equal(again.stats.unchanged, 30);
  assert.equal(again.stats.hashedFiles, 0);
  assert.equal(chunksSeen, 0, "no chunk was cut, so no byte was read");
});

Deno.test("same size and restored mtime still count as changed (ctime), as does a replaced inode", async () => {
  await using f = await testFolder();
  await f.write("same.txt", "aaaa");
  await f.write("swapped.txt", "bbbb");
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  await sleep(1100); // Deno reports ctime in whole seconds
  const before = await Deno.lstat(f.abs("same.txt"));
  await f.write("same.txt", "zzzz");
  await Deno.utime(f.abs("same.txt"), before.atime!, before.mtime!);
  const after = await Deno.lstat(f.abs("same.txt"));
  assert.equal(after.mtime!.getTime(), before.mtime!.getTime());
  // An editor's save: a new file renamed over the old one.
  const swappedBefore = await Deno.lstat(f.abs("swapped.txt"));
  await f.write("tmp-save", "cccc");
  await Deno.utime(f.abs("tmp-save"), swappedBefore.atime!, swappedBefore.mtime!);
  await Deno.rename(f.abs("tmp-save"), f.abs("swapped.txt"));
  const r = await scanFolder(f.root, index, OPTIONS);
  assert.deepEqual(paths(r), ["same.txt", "swapped.txt"]);
});

/** A same-size rewrite of `rel` putting its mtime back; true when its ctime second did not move. */
async function rewriteKeepingTimes(f: { abs(rel: string): string }, rel: string, text: string) {
  const before = Deno.lstatSync(f.abs(rel));
  await Deno.writeTextFile(f.abs(rel), text);
  Deno.utimeSync(f.abs(rel), before.atime!, before.mtime!);
  return Deno.lstatSync(f.abs(rel)).ctime!.getTime() === before.ctime!.getTime();
}

Deno.test("a same-size rewrite keeping the mtime, in the second its file was scanned, is read by the next scan", async () => {
  await using f = await testFolder();
  let caught = false;
  for (let i = 0; i < 8 && !caught; i++) {
    await sleep(1005 - (Date.now() % 1000)); // all of it in one ctime second
    await f.write("same.txt", `old ${i}`);
    const index = new MemoryFileIndex();
    const first = await scanFolder(f.root, index, OPTIONS);
    index.apply(first);
    if (!(await rewriteKeepingTimes(f, "same.txt", `new ${i}`))) continue; // crossed a second
    caught = true;
    const r = await scanFolder(f.root, index, OPTIONS);
    assert.deepEqual(paths(r), ["same.txt"], "its stat is the row's, and it is read anyway");
    const c = r.changed[0];
    assert.ok(c.kind === "file");
    assert.deepEqual(
      c.chunks,
      await chunkBytes(new TextEncoder().encode(`new ${i}`), TEST_PARAMS, TEST_SEED),
    );
  }
  assert.ok(caught, "no try fit in one second");
});

Deno.test("a file is read again once after a racy scan, then not again", async () => {
  await using f = await testFolder();
  await f.write("a.txt", "aaaa");
  const index = new MemoryFileIndex();
  index.apply(await scanFolder(f.root, index, OPTIONS));
  await sleep(RACY_MS + 50);
  const again = await scanFolder(f.root, index, OPTIONS);
  assert.deepEqual([again.stats.hashedFiles, again.changed[0]?.racy], [1, false]);
  index.apply(again);
  const third = await scanFolder(f.root, index, OPTIONS);
  assert.deepEqual([third.stats.hashedFiles, third.stats.unchanged], [0, 1]);
});

Deno.test("deleted files are reported; newly ignored ones are not", async () => {
  await using f = await testFolder();
  await f.write("keep", "1");
  await f.write("gone", "2");
  await f.write("logs/old.log", "3");
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  await Deno.remove(f.abs("gone"));
  await Deno.remove(f.abs("logs"), { recursive: true });
  await f.write(".mycelignore", "logs/\n");
  const r = await scanFolder(f.root, index, OPTIONS);
  assert.deepEqual(r.deleted, ["gone"]);
  assert.deepEqual(paths(r), [".mycelignore"]);
});

Deno.test("a missing marker stops the scan with folder_stopped and reports nothing", async () => {
  await using f = await testFolder();
  await f.write("a", "1");
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  await Deno.remove(f.abs(MARKER_NAME));
  await Deno.remove(f.abs("a"));
  const e = await assertRejectsMycel(() => scanFolder(f.root, index, OPTIONS), "folder_stopped");
  assert.match(
    e.message,
    /folder stopped: marker missing — disk not mounted, or the folder moved\?/,
  );
  assert.ok(e.hint?.includes(MARKER_NAME));
  await Deno.remove(f.root, { recursive: true });
  await assertRejectsMycel(() => scanFolder(f.root, index, OPTIONS), "folder_stopped");
});

Deno.test("a marker that disappears during the walk stops the scan too", async () => {
  await using f = await testFolder();
  await f.write("a.bin", pseudoRandomBytes(50_000, 3));
  await f.write("b", "x");
  let removed = false;
  await assertRejectsMycel(
    () =>
      scanFolder(f.root, new MemoryFileIndex(), {
        ...OPTIONS,
        onChunk: () => {
          if (!removed) Deno.removeSync(f.abs(MARKER_NAME));
          removed = true;
        },
      }),
    "folder_stopped",
  );
  assert.ok(removed);
});

Deno.test("more than half of the indexed files deleted sets massDelete; half does not", async () => {
  await using f = await testFolder();
  for (let i = 0; i < 10; i++) await f.write(`f${i}`, String(i));
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  for (let i = 0; i < 5; i++) await Deno.remove(f.abs(`f${i}`));
  const half = await scanFolder(f.root, index, OPTIONS);
  assert.equal(half.deleted.length, 5);
  assert.equal(half.massDelete, false);
  await Deno.remove(f.abs("f5"));
  const most = await scanFolder(f.root, index, OPTIONS);
  assert.equal(most.deleted.length, 6);
  assert.equal(most.massDelete, true);
});

Deno.test("symlinks are recorded as links and never followed, inside or out", async () => {
  await using f = await testFolder();
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  try {
    await Deno.writeTextFile(join(outside, "secret.txt"), "not yours");
    await Deno.mkdir(join(outside, "dir"));
    await Deno.writeTextFile(join(outside, "dir", "inner.txt"), "nor this");
    await f.write("real.txt", "in");
    await Deno.symlink(join(outside, "secret.txt"), f.abs("to-file"));
    await Deno.symlink(join(outside, "dir"), f.abs("to-dir"));
    await Deno.symlink("../../escape", f.abs("rel-out"));
    await Deno.symlink("real.txt", f.abs("inside"));
    const r = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
    const links = r.changed.filter((c) => c.kind === "symlink");
    assert.deepEqual(
      links.map((
        l,
      ) => [l.path, l.kind === "symlink" && l.target, l.kind === "symlink" && l.escapes]),
      [
        ["inside", "real.txt", false],
        ["rel-out", "../../escape", true],
        ["to-dir", join(outside, "dir"), true],
        ["to-file", join(outside, "secret.txt"), true],
      ],
    );
    assert.equal(r.stats.hashedFiles, 1, "only real.txt was read");
    assert.ok(!paths(r).some((p) => p.startsWith("to-dir/")));
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("a FIFO is skipped with a note and never opened", async () => {
  await using f = await testFolder();
  await f.write("normal", "x");
  const mk = await runProcess("mkfifo", [f.abs("pipe")], { timeoutMs: 10_000 });
  assert.equal(mk.code, 0, mk.stderr);
  const r = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
  assert.deepEqual(paths(r), ["normal"]);
  assert.deepEqual(r.skipped, [{
    path: "pipe",
    reason: "it is a special file (FIFO), not synced",
  }]);
});

Deno.test("ignored paths and mycel internals are neither read nor reported", async () => {
  await using f = await testFolder();
  await f.write(".mycelignore", "*.tmp\nbuild/\n");
  await f.write(".mycel/ignore", "private/\n");
  await f.write("a.tmp", "x");
  await f.write("build/out.o", "x");
  await f.write("private/diary", "x");
  await f.write(".mycel/versions/old~20260101-000000-000", "x");
  await f.write("d/.mycel-tmp-0123456789ab-doc", "partial");
  await f.write("doc", "kept");
  const r = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
  assert.deepEqual(paths(r), [".mycelignore", "doc"]);
  assert.equal(r.stats.hashedFiles, 2);
});

Deno.test("names that can't sync are skipped with a note naming them as they are (display escapes them)", async () => {
  await using f = await testFolder();
  await f.write("ok", "x");
  await f.write("back\\slash", "x");
  await f.write("new\nline", "x");
  const r = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
  assert.deepEqual(paths(r), ["ok"]);
  assert.deepEqual(r.skipped.map((s) => s.path).sort(), ["back\\slash", "new\nline"]);
  assert.ok(r.skipped.every((s) => s.reason.startsWith("its name can't sync")));
});

Deno.test("case-only clashes are reported with both spellings", async () => {
  await using f = await testFolder();
  await f.write("Readme.md", "a");
  await f.write("README.md", "b");
  await f.write("Photos/a.jpg", "c");
  await f.write("photos/b.jpg", "d");
  const r = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
  assert.deepEqual(r.caseCollisions, [["Photos", "photos"], ["README.md", "Readme.md"]]);
});

Deno.test("a file that grows while it is read is skipped this time, not reported torn", async () => {
  await using f = await testFolder();
  await f.write("growing.log", pseudoRandomBytes(200_000, 5));
  let appended = false;
  const r = await scanFolder(f.root, new MemoryFileIndex(), {
    ...OPTIONS,
    onChunk: () => {
      if (appended) return;
      appended = true;
      const file = Deno.openSync(f.abs("growing.log"), { append: true });
      file.writeSync(new Uint8Array(100));
      file.close();
    },
  });
  assert.ok(appended);
  assert.deepEqual(paths(r), []);
  assert.deepEqual(r.skipped, [{ path: "growing.log", reason: "it changed while scanning" }]);
  const next = await scanFolder(f.root, new MemoryFileIndex(), OPTIONS);
  assert.deepEqual(paths(next), ["growing.log"]);
});

Deno.test("a file replaced by a symlink is reported as a symlink", async () => {
  await using f = await testFolder();
  await f.write("x", "file");
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  await Deno.remove(f.abs("x"));
  await Deno.symlink("elsewhere", f.abs("x"));
  const r = await scanFolder(f.root, index, OPTIONS);
  assert.equal(r.changed.length, 1);
  assert.equal(r.changed[0].kind, "symlink");
  assert.deepEqual(r.deleted, []);
});

Deno.test("a file held aside by a write or deletion under way is not reported deleted", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "1");
  await f.write("sub/notes.md", "2");
  await f.write("gone.txt", "3");
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  // Another process is mid-swap (or died there): each name's file sits in a hold folder beside it.
  await Deno.mkdir(f.abs(".mycel-tmp-hold-0123456789ab"));
  await Deno.rename(f.abs("doc.txt"), f.abs(".mycel-tmp-hold-0123456789ab/doc.txt"));
  await Deno.mkdir(f.abs("sub/.mycel-tmp-drop-0123456789ab"));
  await Deno.rename(f.abs("sub/notes.md"), f.abs("sub/.mycel-tmp-drop-0123456789ab/notes.md"));
  await Deno.remove(f.abs("gone.txt"));
  const r = await scanFolder(f.root, index, OPTIONS);
  assert.deepEqual(r.deleted, ["gone.txt"], "only the file really gone");
  assert.deepEqual(r.holds, [".mycel-tmp-hold-0123456789ab", "sub/.mycel-tmp-drop-0123456789ab"]);
  assert.deepEqual(paths(r), [], "nothing in a hold folder is read as a new file");
  // Put back: nothing changed.
  await Deno.rename(f.abs(".mycel-tmp-hold-0123456789ab/doc.txt"), f.abs("doc.txt"));
  const again = await scanFolder(f.root, index, OPTIONS);
  assert.deepEqual(again.deleted, ["gone.txt"]);
  assert.deepEqual(paths(again), []);
});

Deno.test("without permission bits on disk, exec bits are neither compared nor published from disk", async () => {
  // FAT and exFAT show every file with one fixed mode (exfat-fuse: 0777):
  // the scan gets `execOf` and must ignore the disk's bits (fs_modes.ts).
  await using f = await testFolder();
  await f.write("plain.txt", "text");
  await f.write("tool.sh", "#!/bin/sh\n");
  await f.write("new.txt", "new");
  for (const p of ["plain.txt", "tool.sh", "new.txt"]) await Deno.chmod(f.abs(p), 0o777);
  const index = new MemoryFileIndex();
  const versions = new Map([["plain.txt", false], ["tool.sh", true]]);
  const noModes = { ...OPTIONS, execOf: (p: string) => versions.get(p) ?? false };
  const first = await scanInto(f.root, index, noModes);
  const exec = (r: ScanResult) =>
    Object.fromEntries(r.changed.map((c) => [c.path, c.kind === "file" && c.exec]));
  assert.deepEqual(exec(first), { "new.txt": false, "plain.txt": false, "tool.sh": true });

  // A mode change alone is no change there; an edit keeps the version's bit.
  // The chmod moves ctime, which Deno gives in whole seconds: within the
  // second of the first scan the file is not read at all, past it the file
  // is read again and comes back with the content and bit it had (the
  // publishing step takes that for no edit, folder_scan_changes.ts). The
  // test waits out the second, so it takes the same path every run (before,
  // it passed or failed by where the second boundary fell).
  const before = first.changed.find((c) => c.path === "plain.txt");
  await sleep(1001);
  await Deno.chmod(f.abs("plain.txt"), 0o644);
  const modeOnly = await scanFolder(f.root, index, noModes);
  assert.deepEqual(modeOnly.deleted, []);
  assert.deepEqual(paths(modeOnly), ["plain.txt"]);
  const reread = modeOnly.changed[0];
  assert.ok(reread.kind === "file" && before?.kind === "file");
  assert.equal(reread.exec, false);
  assert.deepEqual(reread.chunks, before.chunks);
  index.apply(modeOnly);
  await sleep(5);
  await f.write("plain.txt", "edited");
  await Deno.chmod(f.abs("plain.txt"), 0o777);
  const edited = await scanInto(f.root, index, noModes);
  assert.deepEqual(exec(edited), { "plain.txt": false });

  // Where the file system keeps modes, the disk's bits are what syncs (new.txt's
  // differs from what was indexed, so it counts as a change there).
  await sleep(5);
  await f.write("plain.txt", "edited again");
  assert.deepEqual(exec(await scanFolder(f.root, index, OPTIONS)), {
    "new.txt": true,
    "plain.txt": true,
  });
});

Deno.test("where inode numbers are made up per mount, a file that differs only in its number is not read", async () => {
  await using f = await testFolder();
  await f.write("photo.jpg", "jpeg");
  const index = new MemoryFileIndex();
  await scanInto(f.root, index);
  // As after a remount of an exfat-fuse drive: the index knows another number.
  const known = index.get("photo.jpg")!;
  index.set({ ...known, ino: known.ino + 1000 });
  const again = await scanFolder(f.root, index, { ...OPTIONS, stableInodes: false });
  assert.deepEqual(paths(again), []);
  assert.equal(again.stats.hashedFiles, 0);
  assert.deepEqual(again.renumbered, [{ path: "photo.jpg", ino: known.ino }]);
  index.apply(again);
  assert.equal(index.get("photo.jpg")!.ino, known.ino);
  // Where numbers are kept, another number is another file: it is read.
  index.set({ ...known, ino: known.ino + 1000 });
  assert.deepEqual(paths(await scanFolder(f.root, index, OPTIONS)), ["photo.jpg"]);
});

/** Make a file (or a folder with a file) in `dir` whose name is the bytes `octal` (printf escapes). */
async function byteName(dir: string, octal: string, folder = false): Promise<void> {
  const script = folder
    ? `cd "$1" && n="$(printf '${octal}')" && mkdir "$n" && printf in > "$n/in.txt"`
    : `cd "$1" && printf data > "$(printf '${octal}')"`;
  const r = await runProcess("sh", ["-c", script, "sh", dir]);
  assert.equal(r.code, 0, r.stderr);
}

Deno.test("names that are not UTF-8 are named as such, and nothing under such a folder is called deleted", async () => {
  await using f = await testFolder();
  await f.write("good.txt", "ok");
  await f.write("caf\uFFFDreal.txt", "a name really spelled with U+FFFD syncs");
  await byteName(f.root, "caf\\351.txt"); // Latin-1 "café.txt"
  await byteName(f.root, "dir\\377", true);
  const index = new MemoryFileIndex();
  const r = await scanInto(f.root, index);
  assert.deepEqual(paths(r), ["caf\uFFFDreal.txt", "good.txt"]);
  const notes = r.skipped.map((s) => `${s.path}: ${s.reason}`).sort();
  assert.deepEqual(notes, [
    `caf\uFFFD.txt: its name is not valid UTF-8, so it can't sync`,
    `dir\uFFFD: its name is not valid UTF-8, so it can't sync, nor can anything in it`,
  ]);
  assert.deepEqual(r.deleted, []);
});

Deno.test("a name that is not UTF-8 is silenced by an ignore rule, like any other", async () => {
  await using f = await testFolder();
  await f.write("good.txt", "ok");
  await f.write(".mycelignore", "caf*.txt\nold*/\n");
  await byteName(f.root, "caf\\351.txt"); // Latin-1 "café.txt"
  await byteName(f.root, "old\\377", true);
  await byteName(f.root, "keep\\351.md"); // not ignored: still named
  const r = await scanInto(f.root, new MemoryFileIndex());
  assert.deepEqual(paths(r), [".mycelignore", "good.txt"]);
  assert.deepEqual(r.skipped.map((s) => s.path), [`keep\uFFFD.md`]);
  assert.equal(r.stats.ignored, 2);
  assert.deepEqual(r.deleted, []);
});

Deno.test("the mycel home and another synced folder inside a folder are left out, never read nor called deleted; a marker the folder's state holds is content", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "mine");
  await f.write("home/keys.cbor", "private keys");
  await f.write("home/mycel.db", "database");
  await f.write("inner/.mycel-folder", "mycel folder inner\n");
  await f.write("inner/a.txt", "inner's");
  // A marker that is a path of this folder's state (a member published it):
  // its folder syncs as part of this one.
  await f.write("published/.mycel-folder", "");
  await f.write("published/b.txt", "b");
  const index = new MemoryFileIndex();
  const options = {
    ...OPTIONS,
    exclude: new Map([[join(f.root, "home"), "it is the mycel home"]]),
    publishedMarker: (dir: string) => dir === "published",
  };
  const r = await scanInto(f.root, index, options);
  assert.deepEqual(paths(r), ["doc.txt", "published/.mycel-folder", "published/b.txt"]);
  assert.deepEqual(r.skipped.map((s) => s.path).sort(), ["home", "inner"]);
  assert.match(r.skipped.find((s) => s.path === "home")!.reason, /mycel home/);
  // Not a folder synced here (those are `exclude`d with their own reason): said as such.
  assert.match(
    r.skipped.find((s) => s.path === "inner")!.reason,
    /^it holds the marker of folder inner \(\.mycel-folder\) but is no folder synced here — a copy/,
  );
  // Indexed before (shared before the check): still never called deleted.
  index.set({ ...index.get("doc.txt")!, path: "inner/a.txt" });
  const again = await scanFolder(f.root, index, options);
  assert.deepEqual(again.deleted, []);
});
