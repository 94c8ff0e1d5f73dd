/**
 * A file renamed elsewhere, renamed here (src/files/move_file.ts), while a
 * program holding it open writes to it: the stat the move gives the index
 * is the moved version's size and time, so the write differs from it and
 * the next scan reads the file. Before, a write landing while the move
 * synced its folders was recorded as found: the index said the file was
 * the version moved, the write was never published, and a later change
 * from elsewhere replaced it.
 */

import assert from "node:assert/strict";
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { type OnDisk, onDisk } from "../../src/files/disk_state.ts";
import { type IndexedEntry, MemoryFileIndex } from "../../src/files/file_index.ts";

/** A file's index row (a folder's row is never moved as a file). */
type FileRow = IndexedEntry & { kind: "file" };
import { moveFile } from "../../src/files/move_file.ts";
import { scanFolder } from "../../src/files/scan.ts";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { exfatMissing, mountExfat } from "../helpers/exfat.ts";
import { sleep } from "../helpers/process.ts";
import { TEST_PARAMS, TEST_SEED, testFolder } from "./helpers.ts";

Deno.test("a write landing while a file is moved is not recorded as the version moved", async () => {
  const root = Deno.realPathSync(await Deno.makeTempDir({ prefix: "mycel-move-" }));
  const open = Deno.open;
  try {
    await Deno.writeTextFile(join(root, "a.log"), "one\n");
    const st = onDisk(join(root, "a.log"))!;
    const moved = join(root, "logs", "b.log");
    let written = false;
    // The program's write lands while the move syncs the new folder (opened for that).
    Deno.open = ((path: string | URL, options?: Deno.OpenOptions) => {
      if (!written && String(path) === join(root, "logs")) {
        written = true;
        appendFileSync(moved, "two\n");
      }
      return open(path, options);
    }) as typeof Deno.open;
    const at = await moveFile(
      root,
      "a.log",
      "logs/b.log",
      { kind: "file", size: st.size, mtimeMs: st.mtimeMs, ino: st.ino },
      st.mtimeMs - 60_000,
      Date.now(),
    );
    Deno.open = open;
    assert.ok(written, "the write landed during the move");
    assert.equal(await Deno.readTextFile(moved), "one\ntwo\n");
    const disk = onDisk(moved)!;
    assert.equal(at?.ino, disk.ino, "the same file, moved");
    assert.notDeepEqual(
      [at?.size, at?.mtimeMs],
      [disk.size, disk.mtimeMs],
      "recorded as what is on disk, the write passes for the version moved",
    );
    assert.deepEqual([at?.size, at?.mtimeMs], [st.size, st.mtimeMs - 60_000]);
  } finally {
    Deno.open = open;
    await Deno.remove(root, { recursive: true });
  }
});

/** The row a move gives the index, as the next scan finds it. */
function rowOf(path: string, at: OnDisk): FileRow {
  return {
    path,
    kind: "file",
    size: at.size,
    mtimeMs: at.mtimeMs,
    ino: at.ino,
    ctimeMs: at.ctimeMs,
    exec: at.exec,
    racy: at.racy === true,
  };
}

/** What the next scan reads of `path`, given the row the move recorded. */
async function nextScanReads(root: string, row: IndexedEntry): Promise<string[]> {
  const index = new MemoryFileIndex();
  index.set(row);
  const r = await scanFolder(root, index, { params: TEST_PARAMS, seed: TEST_SEED });
  return r.changed.filter((c) => c.kind === "file" && c.chunks.length > 0).map((c) => c.path);
}

Deno.test("a file rewritten since its index row, size and time put back, is moved and read by the next scan", async () => {
  await using f = await testFolder();
  const root = Deno.realPathSync(f.root);
  await f.write("a.txt", "one\n");
  const st = onDisk(join(root, "a.txt"))!;
  const indexed: FileRow = { path: "a.txt", ...st, kind: "file", racy: false };
  // Deno gives ctime in whole seconds: the rewrite comes in a later one.
  await sleep(st.ctimeMs + 1100 - Date.now());
  Deno.writeTextFileSync(join(root, "a.txt"), "two\n"); // in place: same inode
  Deno.utimeSync(join(root, "a.txt"), new Date(), new Date(st.mtimeMs)); // as cp -p, rsync -t do
  const now = onDisk(join(root, "a.txt"))!;
  assert.deepEqual([now.size, now.mtimeMs, now.ino], [st.size, st.mtimeMs, st.ino]);
  assert.notEqual(now.ctimeMs, st.ctimeMs, "the rewrite shows only in the ctime");
  const at = await moveFile(root, "a.txt", "b.txt", indexed, st.mtimeMs, Date.now());
  assert.ok(at !== undefined, "moved");
  assert.equal(await Deno.readTextFile(join(root, "b.txt")), "two\n");
  assert.deepEqual(
    await nextScanReads(root, rowOf("b.txt", at)),
    ["b.txt"],
    "recorded as the version moved, the rewrite is never published and its bytes are served as that version's",
  );
});

Deno.test("a same-size write landing between a move and its time being set keeps its time and is read by the next scan", async () => {
  await using f = await testFolder();
  const root = Deno.realPathSync(f.root);
  await f.write("a.txt", "one\n");
  const st = onDisk(join(root, "a.txt"))!;
  const indexed: FileRow = { path: "a.txt", ...st, kind: "file", racy: false };
  const moved = join(root, "b.txt");
  await sleep(20); // file times come from a clock of a few ms ticks: the write's is another
  const removeSync = Deno.removeSync;
  let written = false;
  // The program's write lands once the file is at its new name, before the time is set.
  Deno.removeSync = ((path: string | URL, options?: Deno.RemoveOptions) => {
    const p = String(path);
    removeSync(path, options);
    if (!written && p.slice(p.lastIndexOf("/") + 1).startsWith(".mycel-tmp-hold-")) {
      written = true;
      Deno.writeTextFileSync(moved, "ONE\n");
    }
  }) as typeof Deno.removeSync;
  let at: OnDisk | undefined;
  try {
    at = await moveFile(root, "a.txt", "b.txt", indexed, st.mtimeMs - 60_000, Date.now());
  } finally {
    Deno.removeSync = removeSync;
  }
  assert.ok(written, "the write landed during the move");
  assert.ok(at !== undefined, "moved");
  assert.equal(await Deno.readTextFile(moved), "ONE\n");
  assert.notEqual(onDisk(moved)!.mtimeMs, st.mtimeMs - 60_000, "the write keeps its own time");
  assert.deepEqual(await nextScanReads(root, rowOf("b.txt", at)), ["b.txt"]);
});

/** The index's view of `rel` in `root` now, as a move's source. */
function indexedAt(root: string, rel: string): FileRow {
  return { path: rel, ...onDisk(join(root, rel))!, kind: "file", racy: false };
}

Deno.test("a move onto a name that holds a file not synced yet changes nothing: both files stay as they were", async () => {
  await using f = await testFolder();
  const root = Deno.realPathSync(f.root);
  await f.write("a.txt", "moved elsewhere\n");
  await f.write("b.txt", "made here, not scanned yet\n");
  const from = indexedAt(root, "a.txt");
  const at = await moveFile(root, "a.txt", "b.txt", from, from.mtimeMs, Date.now());
  assert.equal(at, undefined);
  assert.equal(await Deno.readTextFile(join(root, "a.txt")), "moved elsewhere\n");
  assert.equal(await Deno.readTextFile(join(root, "b.txt")), "made here, not scanned yet\n");
  assert.equal(onDisk(join(root, "a.txt"))!.ino, from.ino, "the same file, put back");
  assert.deepEqual([...Deno.readDirSync(root)].map((e) => e.name).sort(), [
    ".mycel-folder",
    "a.txt",
    "b.txt",
  ]);
});

Deno.test("a move onto a name holding a link, or into a folder that is a link, goes through nothing: the file stays, nothing is made where the link leads", async () => {
  await using f = await testFolder();
  await using out = await testFolder({ marker: false });
  const root = Deno.realPathSync(f.root);
  await f.write("a.txt", "one\n");
  const from = indexedAt(root, "a.txt");
  // A dangling link at the new name, leading out of the folder.
  Deno.symlinkSync(join(out.root, "planted.txt"), join(root, "b.txt"));
  assert.equal(await moveFile(root, "a.txt", "b.txt", from, from.mtimeMs, Date.now()), undefined);
  // A folder on the way that is a link out of the folder.
  Deno.symlinkSync(out.root, join(root, "sub"));
  await assertRejectsMycel(
    () => moveFile(root, "a.txt", "sub/c.txt", from, from.mtimeMs, Date.now()),
    "unsafe_path",
  );
  assert.equal(await Deno.readTextFile(join(root, "a.txt")), "one\n");
  assert.equal(onDisk(join(root, "a.txt"))!.ino, from.ino, "the same file, where it was");
  assert.deepEqual([...Deno.readDirSync(out.root)].map((e) => e.name), []);
});

const EXFAT_MISSING = exfatMissing();
const IN_CI = Deno.env.get("CI") !== undefined;
if (EXFAT_MISSING !== undefined && !IN_CI) {
  console.log(`move_file_test: exFAT case skipped: ${EXFAT_MISSING}`);
}

Deno.test({
  name:
    "on a disk that ignores case (exFAT), a move onto another spelling of a name that holds a file changes nothing",
  ignore: EXFAT_MISSING !== undefined && !IN_CI,
  fn: async () => {
    await using disk = await mountExfat();
    const root = Deno.realPathSync(disk.path);
    Deno.writeTextFileSync(join(root, MARKER_NAME), "");
    Deno.writeTextFileSync(join(root, "a.txt"), "moved elsewhere\n");
    Deno.mkdirSync(join(root, "docs"));
    Deno.writeTextFileSync(join(root, "docs", "b.txt"), "made here, not scanned yet\n");
    const from = indexedAt(root, "a.txt");
    for (const to of ["B.txt", "Docs/B.TXT"]) {
      if (to === "B.txt") Deno.writeTextFileSync(join(root, "b.txt"), "also made here\n");
      const at = await moveFile(root, "a.txt", to, from, from.mtimeMs, Date.now());
      assert.equal(at, undefined, to);
    }
    assert.equal(Deno.readTextFileSync(join(root, "a.txt")), "moved elsewhere\n");
    assert.equal(Deno.readTextFileSync(join(root, "b.txt")), "also made here\n");
    assert.equal(
      Deno.readTextFileSync(join(root, "docs", "b.txt")),
      "made here, not scanned yet\n",
    );
  },
});
