/**
 * @module move_between_folders_test
 * A file moved from one synced folder into another of the same device is a
 * move, not a loss, for the mass-deletion question (src/sync/folder_scan_moves.ts):
 * a folder whose only file went into another folder has its deletion go out
 * without `--yes`, whichever of the two folders is scanned first, and the
 * peer ends with the file in the new folder only. A real loss beside it is
 * still held, and so is a deleted file of which the other folder only had
 * a copy (real processes, two devices on 127.0.0.1, no terminal).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import {
  type Device,
  type Devices,
  devices,
  listTree,
  put,
  sharedFolder,
  syncNow,
  syncOk,
} from "./_helpers.ts";

/**
 * Folders `ids[0]` and `ids[1]` shared by a and joined by b (each under its
 * id), seeded on a by `seed`; returns a's and b's roots, by id.
 * Folders are scanned in the order of their ids.
 */
async function twoFolders(
  devs: Devices,
  ids: [string, string],
  seed: (roots: Record<string, string>) => Promise<void>,
): Promise<{ ra: Record<string, string>; rb: Record<string, string> }> {
  const [a, b] = devs.list;
  const ra = Object.fromEntries(ids.map((id) => [id, a.tmp.path(id)]));
  const rb = Object.fromEntries(ids.map((id) => [id, b.tmp.path(id)]));
  await Deno.mkdir(ra[ids[1]]);
  await seed(ra);
  await sharedFolder(devs, ids[0], { roots: [ra[ids[0]], rb[ids[0]]] });
  await a.ok(["--no-sync", "folder", "add", ra[ids[1]], "--id", ids[1]]);
  await syncOk(b);
  await b.ok(["--no-sync", "folder", "join", ids[1], rb[ids[1]]]);
  await syncOk(a);
  await syncOk(b);
  return { ra, rb };
}

/** Held deletions of folder `id` on `d` (`folder status --json`). */
async function heldDeletes(d: Device, id: string): Promise<number> {
  const [s] = await d.tmp.json<{ held_deletes: number }[]>(
    ["--no-sync", "folder", "status", id, "--json"],
  );
  return s.held_deletes;
}

/** Random bytes: several chunks, cut differently in each folder (each has its own seed). */
function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** a moves the only file of `from` into `to`, `sync now` without a terminal: not held. */
async function movedOut(from: string, to: string): Promise<void> {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const report = randomBytes(3 << 20);
  const { ra, rb } = await twoFolders(devs, [from, to].sort() as [string, string], async (r) => {
    await put(r[from], "report.pdf", report);
    await put(r[to], "other.txt", "other\n");
  });
  await Deno.rename(join(ra[from], "report.pdf"), join(ra[to], "report.pdf"));

  const round = await syncNow(a);
  assert.equal(round.code, 0, describe(["sync", "now"], round));
  assert.doesNotMatch(round.stderr, /held|gone/, describe(["sync", "now"], round));
  assert.equal(await heldDeletes(a, from), 0);
  await syncOk(b);
  assert.deepEqual(await listTree(rb[from]), []);
  assert.deepEqual(await listTree(rb[to]), ["other.txt", "report.pdf"]);
  assert.deepEqual(await Deno.readFile(join(rb[to], "report.pdf")), report);
  // And it stays so: the next rounds hold nothing.
  const again = await syncNow(a);
  assert.doesNotMatch(again.stderr, /held/, describe(["sync", "now"], again));
}

Deno.test("the only file of a folder moved into another synced folder goes out unheld (source scanned first)", async () => {
  await movedOut("a-old", "b-new");
});

Deno.test("the only file of a folder moved into another synced folder goes out unheld (source scanned last)", async () => {
  await movedOut("b-old", "a-new");
});

Deno.test("a mass deletion beside a move between folders holds only the losses, a copy the other folder already had among them", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const { ra, rb } = await twoFolders(devs, ["docs", "more"], async (r) => {
    await put(r.docs, "moved.txt", "moved\n");
    await put(r.docs, "gone1.txt", "gone 1\n");
    await put(r.docs, "gone2.txt", "gone 2\n");
    // An old copy of gone2.txt: deleting the original loses a file of docs all the same.
    await put(r.more, "copy-of-gone2.txt", "gone 2\n");
  });
  await Deno.rename(join(ra.docs, "moved.txt"), join(ra.more, "moved.txt"));
  await Deno.remove(join(ra.docs, "gone1.txt"));
  await Deno.remove(join(ra.docs, "gone2.txt"));

  const round = await syncNow(a);
  assert.equal(round.code, 0, describe(["sync", "now"], round));
  assert.match(round.stderr, /docs: 2 of 3 files are gone on disk: the deletions are held/);
  assert.equal(await heldDeletes(a, "docs"), 2);
  await syncOk(b);
  assert.deepEqual(await listTree(rb.docs), ["gone1.txt", "gone2.txt"]);
  assert.deepEqual(await listTree(rb.more), ["copy-of-gone2.txt", "moved.txt"]);
});

Deno.test("a move held by a scan of its folder alone goes out with the next scan of every folder, or once the other folder published it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const { ra, rb } = await twoFolders(devs, ["docs", "more"], async (r) => {
    await put(r.docs, "one.txt", "one\n");
  });
  const scan = async (args: string[], held: boolean) => {
    const r = await a.run(args);
    assert.equal(r.code, 0, describe(args, r));
    if (held) assert.match(r.stderr, /docs: 1 of 1 file is gone on disk: the deletion is held/);
    else assert.doesNotMatch(r.stderr, /held/, describe(args, r));
  };
  // docs scanned alone sees only its own scan: held, as any loss. The next
  // scan of every folder finds the file new in more: the held deletion goes.
  await Deno.rename(join(ra.docs, "one.txt"), join(ra.more, "one.txt"));
  await scan(["folder", "scan", "docs"], true);
  assert.equal(await heldDeletes(a, "docs"), 1);
  await scan(["folder", "scan"], false);
  assert.equal(await heldDeletes(a, "docs"), 0);
  await syncOk(a);
  await syncOk(b);
  assert.deepEqual(await listTree(rb.docs), []);
  assert.deepEqual(await listTree(rb.more), ["one.txt"]);

  // more scanned alone first (published there), then every folder: more's
  // file is old news, but it is the very file docs indexed (its inode), not a copy.
  await put(ra.docs, "two.txt", "two\n");
  await syncOk(a);
  await Deno.rename(join(ra.docs, "two.txt"), join(ra.more, "two.txt"));
  await scan(["folder", "scan", "more"], false);
  await scan(["sync", "now", "--timeout", "10"], false);
  await syncOk(b);
  assert.deepEqual(await listTree(rb.docs), []);
  assert.deepEqual(await listTree(rb.more), ["one.txt", "two.txt"]);
});
