/**
 * Concurrent changes on real processes: two edits of one file keep both
 * (one conflict copy, the same name on every device, none for equal
 * content); a delete racing an edit keeps the edit; a device that was
 * offline for a delete does not bring the file back.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, listTree, put, rounds, sharedFolder, text, treeHash } from "./_helpers.ts";

const FILLER = ["f/1.txt", "f/2.txt", "f/3.txt", "f/4.txt"];

Deno.test("concurrent edits keep both: one conflict copy, the same name on every device", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs);
  await put(ra, "plan.txt", "v1\n");
  for (const f of FILLER) await put(ra, f, f);
  await rounds([a, b, c], 1);
  assert.equal(await text(rc, "plan.txt"), "v1\n");

  // Offline from each other: both edit the same file.
  await put(ra, "plan.txt", "a's edit\n");
  await put(rb, "plan.txt", "b's edit, longer\n");
  await Deno.utime(join(rb, "plan.txt"), new Date(), new Date(Date.now() + 60_000)); // b is newer
  await a.ok(["folder", "scan"]);
  await b.ok(["folder", "scan"]);
  await rounds([a, b, c], 3);

  const trees = await Promise.all([ra, rb, rc].map(listTree));
  for (const t of trees) assert.deepEqual(t, trees[0]);
  const copies = trees[0].filter((p) => p.includes(".sync-conflict-"));
  assert.equal(copies.length, 1, `one conflict copy: ${trees[0].join(", ")}`);
  assert.match(copies[0], /^plan\.sync-conflict-\d{8}-\d{6}-[A-Z2-7]{7}\.txt$/);
  assert.ok(copies[0].endsWith(`-${a.id.slice(0, 7)}.txt`), "the loser was a's (older mtime)");
  for (const r of [ra, rb, rc]) {
    assert.equal(await text(r, "plan.txt"), "b's edit, longer\n");
    assert.equal(await text(r, copies[0]), "a's edit\n");
  }
  assert.equal(await treeHash(ra), await treeHash(rc));
  const conflicts = await c.ok(["folder", "conflicts"]);
  assert.match(conflicts.stdout, /conflict copy/);
});

Deno.test("equal edits made at once make no conflict copy, nor does the next edit of either", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "same.txt", "v1\n");
  for (const f of FILLER) await put(ra, f, f);
  await rounds([a, b], 1);
  await put(ra, "same.txt", "same words\n");
  await put(rb, "same.txt", "same words\n");
  // b's equal version is the newer: b goes on from its own version, a from b's.
  await Deno.utime(join(rb, "same.txt"), new Date(), new Date(Date.now() + 60_000));
  await a.ok(["folder", "scan"]);
  await b.ok(["folder", "scan"]);
  await rounds([a, b], 2);
  assert.deepEqual((await listTree(ra)).filter((p) => p.includes("conflict")), []);
  assert.deepEqual((await listTree(rb)).filter((p) => p.includes("conflict")), []);
  assert.equal(await text(rb, "same.txt"), "same words\n");
  // The next edit on either device covers both equal versions: still no
  // copy (before, a's equal version came back as a conflict copy of content
  // everyone had when b edited next).
  for (const [d, root, words] of [[b, rb, "b later\n"], [a, ra, "a later still\n"]] as const) {
    await put(root, "same.txt", words);
    await Deno.utime(join(root, "same.txt"), new Date(), new Date(Date.now() + 120_000));
    await d.ok(["folder", "scan"]);
    await rounds([a, b], 2);
    for (const r of [ra, rb]) {
      assert.deepEqual((await listTree(r)).filter((p) => p.includes("conflict")), [], words);
      assert.equal(await text(r, "same.txt"), words);
    }
  }
});

Deno.test("a delete racing an edit keeps the edit", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "draft.txt", "v1\n");
  for (const f of FILLER) await put(ra, f, f);
  await rounds([a, b], 1);
  await Deno.remove(join(ra, "draft.txt"));
  await put(rb, "draft.txt", "v2 from b\n");
  await a.ok(["folder", "scan"]);
  await b.ok(["folder", "scan"]);
  await rounds([a, b], 2);
  assert.equal(await text(ra, "draft.txt"), "v2 from b\n");
  assert.equal(await text(rb, "draft.txt"), "v2 from b\n");
  assert.equal((await listTree(ra)).filter((p) => p.includes("conflict")).length, 0);
});

Deno.test("a device offline for a delete comes back and does not bring the file back", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs);
  await put(ra, "old.txt", "old\n");
  for (const f of FILLER) await put(ra, f, f);
  await rounds([a, b, c], 1);
  assert.equal(await text(rc, "old.txt"), "old\n");

  // c goes offline; a deletes; a and b agree.
  await c.stopServer();
  await Deno.remove(join(ra, "old.txt"));
  await a.ok(["folder", "scan"]);
  await rounds([a, b], 1);
  assert.equal(await text(rb, "old.txt"), undefined);

  // c comes back (scanning its untouched copy first) and syncs with everyone.
  await c.ok(["folder", "scan"]);
  await c.serve();
  await rounds([c, a, b], 2);
  for (const r of [ra, rb, rc]) assert.equal(await text(r, "old.txt"), undefined, r);
  assert.equal(await treeHash(rc), await treeHash(ra));
});

Deno.test("a path deleted and made again on both devices: the newer is kept, the other is the copy (no counter used twice)", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  for (const f of FILLER) await put(ra, f, f);
  await put(ra, "p.txt", "c1\n");
  await rounds([a, b], 1);
  await Deno.remove(join(ra, "p.txt"));
  await rounds([a, b], 1);
  assert.equal(await text(rb, "p.txt"), undefined);
  // b makes it again and publishes; a, not having fetched it yet, makes it again too.
  await put(rb, "p.txt", "c2 from b\n");
  await b.ok(["folder", "scan"]);
  await put(ra, "p.txt", "c3 from a, newer\n");
  await Deno.utime(join(ra, "p.txt"), new Date(), new Date(Date.now() + 60_000));
  await rounds([a, b], 3);
  for (const r of [ra, rb]) {
    assert.equal(await text(r, "p.txt"), "c3 from a, newer\n", r);
    const copies = (await listTree(r)).filter((p) => p.includes(".sync-conflict-"));
    assert.equal(copies.length, 1, `${r}: ${copies}`);
    assert.equal(await text(r, copies[0]), "c2 from b\n");
  }
});

Deno.test("every losing content keeps its own copy: a merged version that loses later, named like its merger's own losing copy of the same second, gets the content-tagged name", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs);
  await put(ra, "p.txt", "v1\n");
  for (const f of FILLER) await put(ra, f, f);
  await rounds([a, b, c], 1);
  assert.equal(await text(rc, "p.txt"), "v1\n");
  await c.stopServer(); // c is away for the first conflict
  // a and b edit in the same second; b's is newer, a's is the copy, and a merges.
  const second = Math.floor(Date.now() / 1000) * 1000;
  await put(ra, "p.txt", "content-A\n");
  await put(rb, "p.txt", "content-B\n");
  await Deno.utime(join(ra, "p.txt"), new Date(second), new Date(second + 100));
  await Deno.utime(join(rb, "p.txt"), new Date(second), new Date(second + 400));
  await rounds([b, a, b], 1); // each round scans first: a publishes after it has b's
  assert.equal(await text(ra, "p.txt"), "content-B\n");
  // c, which saw none of it, edits later: its edit wins over the merged content-B.
  await put(rc, "p.txt", "content-C\n");
  await Deno.utime(join(rc, "p.txt"), new Date(), new Date(second + 60_000));
  await c.ok(["folder", "scan"]);
  await c.serve();
  await rounds([c, a, b], 3);
  for (const r of [ra, rb, rc]) {
    assert.equal(await text(r, "p.txt"), "content-C\n");
    const tree = await listTree(r);
    const bodies = await Promise.all(
      tree.filter((p) => p.includes(".sync-conflict-")).map((p) => text(r, p)),
    );
    assert.deepEqual(bodies.sort(), ["content-A\n", "content-B\n"], `${r}: ${tree.join(", ")}`);
  }
  assert.equal(await treeHash(ra), await treeHash(rc));
});

Deno.test("a file turned into a folder on one device while another edits it: folder conflicts says the copy is of a folder now, to be renamed, not moved over it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "thing", "v1\n");
  await rounds([a, b], 1);
  assert.equal(await text(rb, "thing"), "v1\n");

  // Apart: a makes "thing" a folder, b edits the file.
  await Deno.remove(join(ra, "thing"));
  await put(ra, "thing/inner.txt", "inside\n");
  await put(rb, "thing", "b's edit\n");
  await a.ok(["folder", "scan"]);
  await b.ok(["folder", "scan"]);
  await rounds([a, b], 3);

  assert.equal(await treeHash(ra), await treeHash(rb));
  const copies = (await listTree(ra)).filter((p) => p.includes(".sync-conflict-"));
  assert.equal(copies.length, 1, `one conflict copy: ${await listTree(ra)}`);
  assert.equal(await text(ra, "thing/inner.txt"), "inside\n");
  assert.equal(await text(ra, copies[0]), "b's edit\n");
  for (const d of [a, b]) {
    const r = await d.ok(["folder", "conflicts"]);
    // Before: "conflict copy, b's version of …" and only "move it over the file", which mv refuses.
    assert.match(
      r.stdout,
      new RegExp(`^docs: ${copies[0]}: conflict copy of thing, a folder now, b's version of `, "m"),
      r.stdout,
    );
    assert.match(
      r.stderr,
      /became a folder \(thing\) can't go over it: .*rename the copy/,
      r.stderr,
    );
    const [json] = await d.tmp.json<{ copy_details: Record<string, string>[] }[]>(
      ["folder", "conflicts", "docs", "--json"],
    );
    assert.equal(json.copy_details[0].of_folder, "thing", JSON.stringify(json));
    assert.equal(json.copy_details[0].of, undefined, JSON.stringify(json));
  }
});

Deno.test("folder status counts the conflict copies waiting after a conflict ended and points at folder conflicts", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "plan.txt", "v1\n");
  for (const f of FILLER) await put(ra, f, f);
  await rounds([a, b], 1);
  await put(ra, "plan.txt", "a's edit\n");
  await put(rb, "plan.txt", "b's edit, longer\n");
  await Deno.utime(join(rb, "plan.txt"), new Date(), new Date(Date.now() + 60_000));
  await a.ok(["folder", "scan"]);
  await b.ok(["folder", "scan"]);
  await rounds([a, b], 3);
  assert.equal((await listTree(ra)).filter((p) => p.includes(".sync-conflict-")).length, 1);

  // The conflict has ended (no versions in conflict); its copy waits for the user.
  // Before: status said nothing of it.
  const st = await a.ok(["--no-sync", "folder", "status"]);
  assert.match(
    st.stdout,
    /^ {2}1 conflict copy waiting for you to keep or delete: see `mycel folder conflicts docs`$/m,
    st.stdout,
  );
  const [j] = await a.tmp.json<{ conflicts: number; conflict_copies: number }[]>([
    "--no-sync",
    "folder",
    "status",
    "--json",
  ]);
  assert.deepEqual([j.conflicts, j.conflict_copies], [0, 1]);
});
