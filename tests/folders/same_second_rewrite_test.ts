/**
 * A file rewritten with the same size and its old mtime put back (`cp -p`,
 * `rsync -t`, `touch -r`, an editor that keeps times) in the same second as
 * the scan that recorded it still syncs. Deno gives ctime in whole seconds
 * (and mtime in ms), so such a rewrite leaves the whole stat the index holds
 * — size, mtime, inode, ctime — and was never read: the other device kept
 * the old bytes until the file changed again.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, put, sharedFolder, syncOk, text } from "./_helpers.ts";
import { sleep } from "../helpers/process.ts";

const MTIME = new Date("2026-01-02T03:04:05.678Z");
const second = (path: string) => Math.floor(Deno.lstatSync(path).ctime!.getTime() / 1000);

Deno.test("a same-size rewrite keeping the mtime, in the second its file was scanned, reaches the other device", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const file = join(ra, "notes.txt");
  // Write, scan (a process) and rewrite must fall in one ctime second: tried
  // from the start of a second until they do.
  let last: string | undefined;
  for (let i = 0; i < 8 && last === undefined; i++) {
    await sleep(1005 - (Date.now() % 1000));
    await put(ra, "notes.txt", `first ${i}`);
    Deno.utimeSync(file, MTIME, MTIME);
    const scanned = second(file);
    await a.ok(["--no-sync", "folder", "scan", "docs"]);
    await put(ra, "notes.txt", `again ${i}`);
    Deno.utimeSync(file, MTIME, MTIME);
    if (second(file) === scanned) last = `again ${i}`;
  }
  assert.ok(last !== undefined, "no try fit in one second: the scan took too long here");
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(ra, "notes.txt"), last, "a's disk untouched");
  assert.equal(await text(rb, "notes.txt"), last, "b has the rewrite");
});
