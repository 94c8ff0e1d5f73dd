/**
 * @module join_onto_copy_test
 * `folder join` onto a copy of the folder the device already holds (moving
 * from Syncthing, rsync or Dropbox): files copied without their times
 * (`cp -r`, a download) are the folder's files, not edits. Before, each was
 * published as a new version, newer than the original, so every other
 * device's file took the copy's time (a walkthrough: 5,000 copied files, the
 * original times replaced on both other devices). Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, folderOf, listTree, put, syncNow, syncOk, treeHash } from "./_helpers.ts";

const OLD = new Date("2026-01-02T03:04:05Z");

Deno.test("folder join onto a copy made without times publishes nothing for it, fetches nothing, and leaves every device with the original times", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of devs.list) await d.serve();
  const ra = folderOf(a), rb = folderOf(b);
  const files: [string, Uint8Array][] = [
    ["notes.txt", new TextEncoder().encode("milk\n")],
    ["big/data.bin", pseudoRandomBytes(400_000, 7)],
  ];
  for (const [rel, data] of files) {
    await put(ra, rel, data);
    await Deno.utime(join(ra, rel), OLD, OLD);
  }
  await Deno.symlink("notes.txt", join(ra, "link"));
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await syncOk(b);
  // b's copy: the same bytes and link, written now (other times).
  for (const [rel, data] of files) await put(rb, rel, data);
  await Deno.symlink("notes.txt", join(rb, "link"));
  const joined = await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  assert.match(joined.stdout, /docs: 3 files; published 0 changes/, joined.stdout);
  assert.match(joined.stdout, /its 3 files are here already/, joined.stdout);

  // Nothing fetched, and the round says what it changed: only times.
  const round = await syncOk(b);
  assert.match(
    round.stdout,
    /^folder docs: 3 changes applied \(2 of them only a file's time\)$/m,
    round.stdout,
  );
  assert.doesNotMatch(round.stdout, /fetched/, round.stdout);
  await syncOk(a);
  await syncOk(b);
  for (const [rel] of files) {
    assert.equal((await Deno.stat(join(ra, rel))).mtime?.getTime(), OLD.getTime(), `a ${rel}`);
    assert.equal((await Deno.stat(join(rb, rel))).mtime?.getTime(), OLD.getTime(), `b ${rel}`);
  }
  assert.deepEqual(await listTree(rb), ["big/data.bin", "link", "notes.txt"]);
  assert.equal(await treeHash(rb), await treeHash(ra));
  const st = await syncNow(b);
  assert.equal(st.code, 0, st.stderr);
  const log = await a.log();
  assert.equal(
    log.filter((e) => e.device === b.id && JSON.stringify(e).includes("file.version")).length,
    0,
    "b published no file version",
  );
});

Deno.test("a device that joins with the original of a file edited elsewhere adds no second conflict copy of the original", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  for (const [x, y] of [[a, b], [a, c], [b, c]]) await devs.peer(x, y);
  for (const d of devs.list) await d.serve();
  const [ra, rb, rc] = devs.list.map((d) => folderOf(d));
  // Three copies of one folder: b edited x.txt since; a and c hold the
  // original (c's copied with its time, as `rsync -a` or `cp -a` do).
  for (const root of [ra, rb, rc]) {
    await put(root, "x.txt", "original\n");
    await Deno.utime(join(root, "x.txt"), OLD, OLD);
    await put(root, "same.txt", "same\n");
  }
  await put(rb, "x.txt", "edited on b\n");
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await syncOk(b);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await syncOk(b);
  await syncOk(a);
  await syncOk(c);
  await c.ok(["--no-sync", "folder", "join", "docs", rc]);
  for (let i = 0; i < 2; i++) for (const d of [c, a, b]) await syncOk(d);

  const copies = (await listTree(rc)).filter((p) => p.includes(".sync-conflict-"));
  assert.equal(copies.length, 1, `one conflict copy of the original: ${copies.join(", ")}`);
  assert.equal(await Deno.readTextFile(join(rc, copies[0])), "original\n");
  assert.equal(await Deno.readTextFile(join(rc, "x.txt")), "edited on b\n");
  assert.equal(await treeHash(ra), await treeHash(rc));
  assert.equal(await treeHash(rb), await treeHash(rc));
});
