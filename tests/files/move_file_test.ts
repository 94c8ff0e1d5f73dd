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
import { moveFile } from "../../src/files/move_file.ts";
import { scanFolder } from "../../src/files/scan.ts";
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
function rowOf(path: string, at: OnDisk): IndexedEntry {
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
  const indexed: IndexedEntry = { path: "a.txt", ...st, kind: "file", racy: false };
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
  const indexed: IndexedEntry = { path: "a.txt", ...st, kind: "file", racy: false };
  const moved = join(root, "b.txt");
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
