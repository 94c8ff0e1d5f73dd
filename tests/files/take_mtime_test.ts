/**
 * takeMtime: a file adopted as a version with the same contents gets that
 * version's mtime only while it is exactly as the index says; a file changed
 * since, a link, or a missing file is left alone, and nothing throws.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { onDisk, takeMtime } from "../../src/files/disk_state.ts";
import { spawnProcess } from "../helpers/process.ts";

Deno.test("takeMtime sets the time of the file the index names, and of nothing else", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-mtime-" });
  try {
    const path = join(dir, "a.txt");
    await Deno.writeTextFile(path, "same words\n");
    const indexed = onDisk(path)!;
    const wanted = Date.UTC(2021, 4, 5, 5, 5, 5, 123);
    assert.equal(await takeMtime(path, indexed, wanted), true);
    assert.equal(Deno.lstatSync(path).mtime?.getTime(), wanted);
    assert.equal(await takeMtime(path, onDisk(path)!, wanted), false, "already that time");

    // Changed since the index saw it: left alone.
    await Deno.writeTextFile(path, "an edit\n");
    const edited = Deno.lstatSync(path).mtime?.getTime();
    assert.equal(await takeMtime(path, indexed, Date.UTC(2020, 0, 1)), false);
    assert.equal(Deno.lstatSync(path).mtime?.getTime(), edited);

    // A link in its place, or nothing there: left alone, no error.
    const target = join(dir, "target");
    await Deno.writeTextFile(target, "x");
    const before = Deno.lstatSync(target).mtime?.getTime();
    await Deno.remove(path);
    await Deno.symlink(target, path);
    assert.equal(await takeMtime(path, onDisk(path)!, Date.UTC(2020, 0, 1)), false);
    assert.equal(Deno.lstatSync(target).mtime?.getTime(), before);
    assert.equal(await takeMtime(join(dir, "gone"), indexed, Date.UTC(2020, 0, 1)), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "takeMtime never opens a link swapped in after its look: a FIFO it names is never opened, the round never waits on it",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // The folder's owner (or another user who may write there) swaps a link
    // to a FIFO in for the file again and again, racing the look before the
    // open; a writer waiting on the FIFO is let through (and says so) when
    // the FIFO is opened for reading, as a device would be opened.
    const dir = await Deno.makeTempDir({ prefix: "mycel-mtime-" });
    const path = join(dir, "a.txt"), fifo = join(dir, "fifo");
    await new Deno.Command("mkfifo", { args: ["-m", "600", fifo] }).output();
    const writer = spawnProcess(Deno.execPath(), [
      "eval",
      `console.log("waiting");
for (;;) { Deno.openSync(${
        JSON.stringify(fifo)
      }, { write: true }).close(); console.log("opened"); }`,
    ], { timeoutMs: 60_000 });
    const swapper = spawnProcess(Deno.execPath(), [
      "eval",
      `const path = ${JSON.stringify(path)}, fifo = ${JSON.stringify(fifo)};
console.log("swapping");
for (;;) {
  try { Deno.symlinkSync(fifo, path + ".l"); Deno.renameSync(path + ".l", path); } catch { /* again */ }
}`,
    ], { timeoutMs: 60_000 });
    try {
      await writer.waitFor(/^waiting$/m, { stream: "stdout" });
      await swapper.waitFor(/^swapping$/m, { stream: "stdout" });
      let set = 0, left = 0;
      for (let i = 0; i < 600; i++) {
        await Deno.writeTextFile(`${path}.f`, "same words\n");
        await Deno.rename(`${path}.f`, path);
        const indexed = onDisk(path);
        if (indexed?.kind !== "file") continue;
        if (await takeMtime(path, indexed, Date.UTC(2021, 0, 1) + i)) set++;
        else left++;
      }
      const opened = (await writer.stop()).stdout.match(/^opened$/gm)?.length ?? 0;
      assert.equal(
        opened,
        0,
        `a FIFO opened through the link ${opened} times (${set} set, ${left} left)`,
      );
      assert.ok(set > 0 && left > 0, `the race ran both ways (${set} set, ${left} left)`);
    } finally {
      await swapper.stop();
      await writer.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
