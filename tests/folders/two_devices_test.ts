/**
 * Two devices as real processes on 127.0.0.1, a folder shared by one and
 * joined by the other: files created, changed, renamed and deleted on
 * either side arrive on the other; a rename or a copy fetches nothing; links travel
 * as links; the status reports both devices in sync. And a third device
 * that fetches from both at once gets every file whole.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { devices, listTree, put, sharedFolder, syncOk, text, treeHash } from "./_helpers.ts";

Deno.test("create, modify, rename and delete on either device arrive on the other", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);

  await put(ra, "notes/todo.txt", "milk\n");
  await put(ra, "report.pdf", new Uint8Array(300_000).map((_, i) => (i * 31) & 255));
  // (Deleting more than half of a folder's files would wait for a confirmation.)
  for (let i = 0; i < 4; i++) await put(ra, `keep/${i}.txt`, `file ${i}\n`);
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "notes/todo.txt"), "milk\n");
  assert.equal(await treeHash(rb), await treeHash(ra));

  // Modify on b, rename and delete on a.
  await put(rb, "notes/todo.txt", "milk\neggs\n");
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "notes/todo.txt"), "milk\neggs\n");

  await Deno.rename(join(ra, "report.pdf"), join(ra, "notes/report-2026.pdf"));
  await Deno.remove(join(ra, "notes/todo.txt"));
  await syncOk(a);
  const r = await syncOk(b);
  assert.deepEqual(await listTree(rb), [
    "keep/0.txt",
    "keep/1.txt",
    "keep/2.txt",
    "keep/3.txt",
    "notes/report-2026.pdf",
  ]);
  assert.equal(await treeHash(rb), await treeHash(ra));
  // The renamed file's content was on b already: nothing came over the wire.
  assert.doesNotMatch(r.stdout, /fetched/, r.stdout);
  // A copy of it is on b already too: it arrives whole, and nothing comes over the wire.
  await Deno.copyFile(join(ra, "notes/report-2026.pdf"), join(ra, "report-copy.pdf"));
  await syncOk(a);
  const copied = await syncOk(b);
  assert.equal(await treeHash(rb), await treeHash(ra));
  assert.ok((await listTree(rb)).includes("report-copy.pdf"));
  assert.doesNotMatch(copied.stdout, /fetched/, copied.stdout);
  // The deleted file is kept on b for 30 days.
  const versions = await b.ok(["folder", "versions", join(rb, "notes/todo.txt")]);
  assert.match(
    versions.stdout,
    /^1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d {2}10 B {2}\.mycel\/versions\/notes\/todo~\d{8}-\d{6}-\d{3}\.txt$/m,
  );
});

Deno.test("links travel as links, exec bits travel, and status says both are in sync", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "bin/run.sh", "#!/bin/sh\necho hi\n");
  await Deno.chmod(join(ra, "bin/run.sh"), 0o755);
  await Deno.symlink("bin/run.sh", join(ra, "run"));
  await Deno.symlink("/etc/passwd", join(ra, "outside"));
  await syncOk(a);
  await syncOk(b);
  assert.equal(await Deno.readLink(join(rb, "run")), "bin/run.sh");
  assert.equal(await Deno.readLink(join(rb, "outside")), "/etc/passwd");
  assert.ok(((await Deno.stat(join(rb, "bin/run.sh"))).mode! & 0o100) !== 0);
  assert.equal(await treeHash(rb), await treeHash(ra));
  await syncOk(a);
  const st = await a.tmp.json<{ files: number; devices: { name: string; state: string }[] }[]>([
    "folder",
    "status",
    "--json",
  ]);
  assert.equal(st[0].files, 3);
  assert.deepEqual(st[0].devices.map((d) => [d.name, d.state]).sort(), [["a", "in_sync"], [
    "b",
    "in_sync",
  ]]);
});

Deno.test("files fetched from two devices at once arrive whole", async () => {
  // Chunks of one file come from both peers at the same time, written as they arrive.
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs);
  for (let f = 0; f < 3; f++) {
    // Odd seeds 2 apart: pseudoRandomBytes takes `seed | 1`, so 12346 and 12347
    // gave the same bytes and two of the three files were one (the issue 13 audit).
    const data = pseudoRandomBytes(24 << 20, 12345 + 2 * f);
    await put(ra, `big${f}.bin`, data);
  }
  await syncOk(a);
  await syncOk(b);
  assert.equal(await treeHash(rb), await treeHash(ra));
  const r = await syncOk(c);
  assert.equal(await treeHash(rc), await treeHash(ra), r.stdout);
});

Deno.test("a file only touched on one device takes the same mtime on the other, and nothing is published again", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "notes.txt", "same words\n"),
  });
  await syncOk(b);
  const touched = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
  await Deno.utime(join(ra, "notes.txt"), touched, touched);
  await syncOk(a);
  await syncOk(b);
  assert.equal((await Deno.lstat(join(rb, "notes.txt"))).mtime?.getTime(), touched.getTime());
  assert.equal(await text(rb, "notes.txt"), "same words\n");
  for (const d of [b, a]) {
    const scan = await d.ok(["--no-sync", "folder", "scan"]);
    assert.match(scan.stdout, /published 0 changes/, `${d.name}: ${scan.stdout}`);
  }
});
