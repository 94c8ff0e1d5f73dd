/**
 * A deletion against a version made by a device that had not seen it, as
 * real processes: when that version holds the content the deletion deleted
 * (the file only touched: same bytes, a new mtime — a backup restore, an
 * editor saving it unchanged) the deletion wins everywhere, with no
 * conflict copy; when it holds other bytes (an edit) the edit wins, as a
 * delete racing an edit always did, also when a third device touched it at
 * once. Before, the touch won too: the file came back on every device (found
 * by a review, 2026-12-06).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Device,
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

// (Deleting more than half of a folder's files would wait for a confirmation.)
const FILLER = ["keep/1.txt", "keep/2.txt", "keep/3.txt", "keep/4.txt"];

/**
 * `a` and `b` hold `notes.txt`; `b` goes offline; `a` deletes it and syncs;
 * `b` does `change` to its copy and scans, alone; then the two sync again.
 */
async function deleteWhileOffline(
  change: (root: string) => Promise<void>,
): Promise<{ a: Device; b: Device; ra: string; rb: string; dispose: () => Promise<void> }> {
  const devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "notes.txt", "the words\n");
      for (const f of FILLER) await put(root, f, f);
    },
  });
  await syncOk(b);
  assert.equal(await text(rb, "notes.txt"), "the words\n");

  await b.stopServer();
  await Deno.remove(join(ra, "notes.txt"));
  // a scans and syncs: b is not there to hear of it.
  await a.ok(["folder", "scan"]);
  assert.equal(await text(rb, "notes.txt"), "the words\n");

  await change(rb);
  const scan = await b.ok(["--no-sync", "folder", "scan"]);
  assert.match(scan.stdout, /published 1 change/, scan.stdout);

  await b.serve();
  await syncOk(b);
  await syncOk(a);
  await syncOk(b);
  return { a, b, ra, rb, dispose: () => devs[Symbol.asyncDispose]() };
}

const conflictCopies = async (root: string) =>
  (await listTree(root)).filter((p) => p.includes(".sync-conflict-"));

Deno.test("a file only touched on a device offline for its deletion stays deleted on both, with no conflict copy", async () => {
  const { a, b, ra, rb, dispose } = await deleteWhileOffline(async (rb) => {
    const later = new Date(Date.now() + 60_000); // the newest version of all
    await Deno.utime(join(rb, "notes.txt"), later, later);
  });
  try {
    for (const root of [ra, rb]) {
      assert.equal(await text(root, "notes.txt"), undefined, root);
      assert.deepEqual(await conflictCopies(root), [], root);
    }
    assert.deepEqual(await listTree(rb), FILLER);
    assert.equal(await treeHash(rb), await treeHash(ra));
    // The conflict ended (a merge on each side), and nothing is left to publish.
    for (const d of [a, b]) {
      const c = await d.tmp.json(["--no-sync", "folder", "conflicts", "--json"]);
      assert.deepEqual(c, [{ id: "docs", unresolved: [], copies: [] }], d.name);
      const scan = await d.ok(["--no-sync", "folder", "scan"]);
      assert.match(scan.stdout, /published 0 changes/, `${d.name}: ${scan.stdout}`);
    }
    // b's touched copy is kept there as an old version, as any file a deletion removes.
    const kept = await b.ok(["folder", "versions", join(rb, "notes.txt")]);
    assert.match(kept.stdout, /\.mycel\/versions\/notes~\d{8}-\d{6}-\d{3}\.txt$/m);
  } finally {
    await dispose();
  }
});

Deno.test("a file edited on a device offline for its deletion comes back on both with that edit, with no conflict copy", async () => {
  const { ra, rb, dispose } = await deleteWhileOffline((rb) =>
    put(rb, "notes.txt", "the words, and more\n")
  );
  try {
    for (const root of [ra, rb]) {
      assert.equal(await text(root, "notes.txt"), "the words, and more\n", root);
      assert.deepEqual(await conflictCopies(root), [], root);
    }
    assert.equal(await treeHash(rb), await treeHash(ra));
  } finally {
    await dispose();
  }
});

Deno.test("a deletion, a touch of what it deleted and an edit made apart on three devices: the edit is on all three, with no conflict copy", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      await put(root, "notes.txt", "the words\n");
      for (const f of FILLER) await put(root, f, f);
    },
  });
  await rounds([b, c], 1);
  assert.equal(await text(rc, "notes.txt"), "the words\n");

  // Apart from each other: a deletes, b only touches (the newest mtime of
  // all, so it would beat the edit), c edits.
  await Deno.remove(join(ra, "notes.txt"));
  const later = new Date(Date.now() + 60_000);
  await Deno.utime(join(rb, "notes.txt"), later, later);
  await put(rc, "notes.txt", "c's words\n");
  for (const d of [a, b, c]) {
    const scan = await d.ok(["--no-sync", "folder", "scan"]);
    assert.match(scan.stdout, /published 1 change/, `${d.name}: ${scan.stdout}`);
  }
  await rounds([a, b, c], 2);

  for (const root of [ra, rb, rc]) {
    assert.equal(await text(root, "notes.txt"), "c's words\n", root);
    assert.deepEqual(await conflictCopies(root), [], root);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
  assert.equal(await treeHash(rc), await treeHash(rb));
});
