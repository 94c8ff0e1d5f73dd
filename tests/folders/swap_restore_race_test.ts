/**
 * `folder restore` of a version noted "now at y/b.txt" (moved_kept.ts) opens
 * y/b.txt only inside the folder, though a process that may write there
 * swaps y for a link to outside again and again: nothing outside is opened
 * (a FIFO there would say so). Before, y was checked by name and b.txt then
 * opened by name: a b.txt outside was opened, and with the noted bytes in
 * it a restore that the edited y/b.txt should refuse said "Restored …
 * copied from y/b.txt" (one run in two of 60 tries; found by H110's
 * review). And what is restored is that checked copy: y swapped for a link
 * to outside once the copy is made does not make the restore read a file
 * there instead (before, it copied a file outside the folder, through a
 * link at the copy's name, into x/a.txt: "Restored"). Real processes, two
 * devices (Linux: the folder is held by its descriptor there).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { isTempName } from "../../src/files/folder_layout.ts";
import { spawnProcess } from "../helpers/process.ts";
import { devices, sharedFolder, signalIfRunning, text, throttleUntil } from "./_helpers.ts";
import { textsSwapped } from "./_swap.ts";

Deno.test({
  name:
    "a version now at y/b.txt is never restored from outside the folder through y swapped for a link meanwhile",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    const [, two] = await textsSwapped(devs.list, ra, "x/a.txt", "y/b.txt");
    // Edited here: the restore must be refused. Outside, at b.txt, a FIFO
    // whose writer is let through (and says so) when it is opened, as a
    // device would be opened.
    const edited = "ONE ".repeat(5000);
    await Deno.writeTextFile(join(rb, "y/b.txt"), edited);
    const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
    const fifo = join(outside, "b.txt");
    await new Deno.Command("mkfifo", { args: ["-m", "600", fifo] }).output();
    const writer = spawnProcess(Deno.execPath(), [
      "eval",
      `console.log("waiting");
for (;;) { Deno.openSync(${
        JSON.stringify(fifo)
      }, { write: true }).close(); console.log("opened"); }`,
    ], { timeoutMs: 120_000 });
    const y = join(rb, "y"), aside = join(rb, "y.aside");
    const swapper = spawnProcess(Deno.execPath(), [
      "eval",
      `const [y, aside, outside] = ${JSON.stringify([y, aside, outside])};
console.log("swapping");
for (;;) {
  try { Deno.renameSync(y, aside); Deno.symlinkSync(outside, y); Deno.removeSync(y); Deno.renameSync(aside, y); } catch { /* again */ }
}`,
    ], { timeoutMs: 120_000 });
    const said = new Map<string, number>();
    let opened = 0;
    try {
      await writer.waitFor(/^waiting$/m, { stream: "stdout" });
      await swapper.waitFor(/^swapping$/m, { stream: "stdout" });
      for (let i = 0; i < 60; i++) {
        const r = await b.run(["folder", "restore", join(rb, "x/a.txt"), "--version", "1"]);
        assert.equal(r.code, 1, `try ${i}: ${r.stdout}${r.stderr}`);
        const why = r.stderr.match(/and (.*) \(x\/a\.txt\)/)?.[1] ?? r.stderr;
        said.set(why, (said.get(why) ?? 0) + 1);
      }
    } finally {
      await swapper.stop();
      opened = (await writer.stop()).stdout.match(/^opened$/gm)?.length ?? 0;
      try {
        Deno.removeSync(y);
      } catch {
        // y is the folder (or nowhere): put back below
      }
      try {
        Deno.renameSync(aside, y);
      } catch {
        // y was in place
      }
      await Deno.remove(outside, { recursive: true });
    }
    assert.equal(opened, 0, `b.txt outside the folder opened ${opened} times`);
    assert.equal(await text(rb, "x/a.txt"), two, `x/a.txt unchanged (${[...said]})`);
    assert.equal(await text(rb, "y/b.txt"), edited);
    assert.ok(
      [...said.keys()].some((why) => /link now|gone/.test(why)),
      `the swaps met the restore's checks: ${JSON.stringify([...said])}`,
    );
  },
});

Deno.test("the checked copy of y/b.txt is what is restored: y swapped for a link to outside after the check puts nothing from outside back", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [, two] = await textsSwapped(devs.list, ra, "x/a.txt", "y/b.txt");
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  const y = join(rb, "y");
  try {
    await Deno.writeTextFile(join(outside, "secret"), "not for the folder\n");
    const p = b.tmp.spawn(["folder", "restore", join(rb, "x/a.txt"), "--version", "1"], {
      timeoutMs: 60_000,
    });
    // Held to a part of the CPU until the checked copy appears in y; then y
    // is swapped for a link to a folder outside where the copy's name is a
    // link to a file there.
    let copy: string | undefined;
    const copying = () => {
      copy = [...Deno.readDirSync(y)].find((e) => isTempName(e.name))?.name;
      return copy !== undefined;
    };
    const caught = await throttleUntil(p.pid, copying);
    signalIfRunning(p.pid, "SIGSTOP");
    if (caught) {
      await Deno.rename(y, join(outside, "y"));
      await Deno.mkdir(join(outside, "other"));
      await Deno.symlink(join(outside, "other"), y);
      await Deno.symlink(join(outside, "secret"), join(outside, "other", copy!));
    }
    signalIfRunning(p.pid, "SIGCONT");
    const r = await p.result();
    assert.ok(caught, `the copy was caught: ${r.stdout}${r.stderr}`);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stderr,
      /the kept version can't be read: it is not a regular file in the folder now/,
    );
    assert.equal(await text(rb, "x/a.txt"), two, "x/a.txt unchanged");
  } finally {
    await Deno.remove(y).catch(() => {});
    await Deno.rename(join(outside, "y"), y).catch(() => {});
    await Deno.remove(outside, { recursive: true });
  }
});
