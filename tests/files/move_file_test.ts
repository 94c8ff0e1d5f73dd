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
import { onDisk } from "../../src/files/disk_state.ts";
import { moveFile } from "../../src/files/move_file.ts";

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
