/**
 * @module restore_unfetched_test
 * `folder restore` of a version whose bytes the disk already holds, while
 * the state holds another version of that path from another device that
 * is not on this disk yet (its entries came in a's round; its file not
 * fetched): the restore is the user's word that these bytes are what they
 * want, so it publishes them over that version — as a restore of other
 * bytes does — and after the next rounds both devices hold the restored
 * bytes (an edit it did not see kept beside it as a conflict copy, as for
 * any restore; a deletion of those very bytes does not undo it). Before,
 * it said "already the file's content" and did nothing, and the next round
 * put the other version in its place (issue 13). Two real homes on
 * loopback.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { listVersions, versionPathFor } from "../../src/files/versions.ts";
import {
  devices,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

const AT = "2026-11-01T00:00:00.000Z";

/** What `folder restore --json` prints, the fields looked at here. */
interface Restored {
  restored: boolean;
  published: boolean;
  replaced_kept_as: string | null;
  published_over: { device: string; name: string | null }[];
}

/** Keep `body` as a version of `rel` in the folder at `root`, kept at {@link AT}. */
async function keep(root: string, rel: string, body: string): Promise<void> {
  const kept = join(root, versionPathFor(rel, Date.parse(AT)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, body);
}

Deno.test("folder restore of the bytes on disk is published over a newer edit known here but not fetched yet", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "same.txt", "old\n");
  await put(ra, "other.txt", "old\n");
  await rounds([a, b], 2);
  assert.equal(await text(rb, "same.txt"), "old\n");
  // b keeps a version of one with the bytes it holds, of the other with other bytes.
  await keep(rb, "same.txt", "old\n");
  await keep(rb, "other.txt", "older\n");

  // a edits both; its round gives b the entries, and b fetches nothing.
  await put(ra, "same.txt", "new\n");
  await put(ra, "other.txt", "new\n");
  await syncOk(a);
  assert.equal(await text(rb, "same.txt"), "old\n", "not fetched by b yet");
  const before = await Deno.lstat(join(rb, "same.txt"));

  const same = await b.ok([
    "--no-sync",
    "folder",
    "restore",
    join(rb, "same.txt"),
    "--version",
    AT,
  ]);
  assert.match(
    same.stdout,
    /^Restored same\.txt from .*\.\nIt held those bytes already, but the folder has another version of it \(from a\) not on this disk yet: the restore is published over it\.\n$/,
    "no file it replaced to keep",
  );
  // Nothing to put back: the file is not written again (same inode and
  // bytes) and no identical copy is kept beside the one restored; only its
  // mtime moves, which is what makes the scan publish it and it win.
  const after = await Deno.lstat(join(rb, "same.txt"));
  assert.equal(after.ino, before.ino, "not rewritten");
  assert.equal(await text(rb, "same.txt"), "old\n");
  assert.ok(after.mtime!.getTime() > before.mtime!.getTime(), "modified now");
  assert.equal((await listVersions(rb, "same.txt")).length, 1, "no identical copy kept");
  const other = await b.tmp.json<{ restored: boolean; published: boolean; published_over: [] }>(
    ["--no-sync", "folder", "restore", join(rb, "other.txt"), "--version", AT, "--json"],
  );
  // Other bytes put back: a restore like any other, published over nothing in particular.
  assert.deepEqual([other.restored, other.published, other.published_over], [true, true, []]);

  await rounds([b, a, b], 2);
  // Both restores the same way: the restored bytes everywhere, a's edit a conflict copy.
  for (const r of [ra, rb]) {
    assert.equal(await text(r, "same.txt"), "old\n", r);
    assert.equal(await text(r, "other.txt"), "older\n", r);
    const copies = (await listTree(r)).filter((p) => p.includes(".sync-conflict-"));
    assert.deepEqual(copies.map((p) => p.split(".")[0]), ["other", "same"], r);
    for (const c of copies) assert.equal(await text(r, c), "new\n", c);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
  assert.equal((await Deno.lstat(join(rb, "same.txt"))).ino, before.ino, "b's file left as it is");

  // Now the state's version is the disk's content: nothing to do, as before.
  const again = await b.tmp.json<Restored>(
    ["--no-sync", "folder", "restore", join(rb, "same.txt"), "--version", AT, "--json"],
  );
  assert.deepEqual([again.restored, again.published, again.published_over], [false, false, []]);
});

Deno.test("folder restore of the bytes on disk is published over their deletion known here but not applied yet", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  // (Deleting more than half of a folder's files would wait for a confirmation.)
  for (const f of ["a.txt", "b.txt", "c.txt"]) await put(ra, f, `${f}\n`);
  await rounds([a, b], 2);
  await keep(rb, "a.txt", "a.txt\n");

  // a deletes it; b learns the deletion in a's round, and its file is still there.
  await Deno.remove(join(ra, "a.txt"));
  await syncOk(a);
  assert.equal(await text(rb, "a.txt"), "a.txt\n");

  const before = await Deno.lstat(join(rb, "a.txt"));
  const r = await b.tmp.json<Restored>(
    ["--no-sync", "folder", "restore", join(rb, "a.txt"), "--version", AT, "--json"],
  );
  assert.deepEqual([r.restored, r.published, r.replaced_kept_as], [true, true, null]);
  // Whose version it was published over, as the text says it ("from a").
  assert.deepEqual(r.published_over, [{ device: a.id, name: "a" }]);
  assert.equal((await Deno.lstat(join(rb, "a.txt"))).ino, before.ino, "not rewritten");
  assert.equal((await listVersions(rb, "a.txt")).length, 1, "no identical copy kept");
  // A version of the bytes a deleted, made without seeing the deletion, is
  // undone by it (a mere touch); the restore covers it, so it is not.
  await rounds([b, a, b], 2);
  for (const root of [ra, rb]) {
    assert.deepEqual(await listTree(root), ["a.txt", "b.txt", "c.txt"], root);
    assert.equal(await text(root, "a.txt"), "a.txt\n", root);
  }
});

Deno.test("folder restore of the link on disk is published over a newer one known here by touching the link, never what it leads to", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "x.txt", "x\n");
  await put(ra, "y.txt", "y\n");
  await Deno.symlink("x.txt", join(ra, "ln"));
  await rounds([a, b], 2);
  const kept = join(rb, versionPathFor("ln", Date.parse(AT)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.symlink("x.txt", kept);

  // a points it elsewhere; b learns it in a's round and has not applied it.
  await Deno.remove(join(ra, "ln"));
  await Deno.symlink("y.txt", join(ra, "ln"));
  await syncOk(a);
  const before = await Deno.lstat(join(rb, "ln"));
  const x = await Deno.lstat(join(rb, "x.txt"));

  const r = await b.tmp.json<Restored>(
    ["--no-sync", "folder", "restore", join(rb, "ln"), "--version", AT, "--json"],
  );
  assert.deepEqual([r.restored, r.published, r.replaced_kept_as], [true, true, null]);
  assert.deepEqual(r.published_over, [{ device: a.id, name: "a" }]);
  const after = await Deno.lstat(join(rb, "ln"));
  assert.equal(after.ino, before.ino, "the link itself, not made again");
  assert.ok(after.mtime!.getTime() > before.mtime!.getTime(), "the link modified now");
  const xAfter = await Deno.lstat(join(rb, "x.txt"));
  assert.deepEqual([xAfter.ino, xAfter.mtime], [x.ino, x.mtime], "what it leads to untouched");
  assert.equal((await listVersions(rb, "ln")).length, 1, "no identical copy kept");

  await rounds([b, a, b], 2);
  for (const root of [ra, rb]) assert.equal(await Deno.readLink(join(root, "ln")), "x.txt", root);
  assert.equal(await treeHash(ra), await treeHash(rb));
});
