/**
 * takeMtime: a file adopted as a version with the same contents gets that
 * version's mtime only while it is exactly as the index says; a file changed
 * since, a link, or a missing file is left alone, and nothing throws.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { onDisk, takeMtime } from "../../src/files/disk_state.ts";

Deno.test("takeMtime sets the time of the file the index names, and of nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-mtime-" });
  try {
    const path = join(dir, "a.txt");
    await Deno.writeTextFile(path, "same words\n");
    const indexed = onDisk(path)!;
    const wanted = Date.UTC(2021, 4, 5, 5, 5, 5, 123);
    assert.equal(takeMtime(path, indexed, wanted), true);
    assert.equal(Deno.lstatSync(path).mtime?.getTime(), wanted);
    assert.equal(takeMtime(path, onDisk(path)!, wanted), false, "already that time");

    // Changed since the index saw it: left alone.
    await Deno.writeTextFile(path, "an edit\n");
    const edited = Deno.lstatSync(path).mtime?.getTime();
    assert.equal(takeMtime(path, indexed, Date.UTC(2020, 0, 1)), false);
    assert.equal(Deno.lstatSync(path).mtime?.getTime(), edited);

    // A link in its place, or nothing there: left alone, no error.
    const target = join(dir, "target");
    await Deno.writeTextFile(target, "x");
    const before = Deno.lstatSync(target).mtime?.getTime();
    await Deno.remove(path);
    await Deno.symlink(target, path);
    assert.equal(takeMtime(path, onDisk(path)!, Date.UTC(2020, 0, 1)), false);
    assert.equal(Deno.lstatSync(target).mtime?.getTime(), before);
    assert.equal(takeMtime(join(dir, "gone"), indexed, Date.UTC(2020, 0, 1)), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
