/**
 * keepsModes (src/files/fs_modes.ts) on this machine's own file systems,
 * which keep permission bits: the probe says so and leaves nothing behind.
 * A file system without them (exFAT) is tested with real processes in
 * tests/folders/exfat_test.ts.
 */

import assert from "node:assert/strict";
import { keepsModes } from "../../src/files/fs_modes.ts";

Deno.test("a folder on a file system with permission bits keeps modes, and the probe leaves no file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(keepsModes(dir), true);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder the probe can't write to is unknown, not taken to keep modes", () => {
  // A write-locked card must not be taken for a disk with permission bits (its 0777 would sync).
  assert.equal(keepsModes("/proc/self"), undefined);
  assert.equal(keepsModes("/nonexistent-mycel-folder"), undefined);
});
