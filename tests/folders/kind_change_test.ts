/**
 * A path that changes kind on one device, between a file and a folder,
 * arrives on the other in one round, both ways (before, the file → folder
 * change took two rounds with a misleading error, and the folder → file
 * change never arrived: "changed on this device meanwhile", every round).
 * A folder that holds files which are not synced stays, and the file that
 * would take its name is reported, not written over it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import {
  devices,
  listTree,
  put,
  sharedFolder,
  syncNow,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

Deno.test("a file that becomes a folder, and a folder that becomes a file, arrive in one round", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, "x", "a file\n");
      await put(ra, "keep.txt", "keep\n");
      await put(ra, "other.txt", "other\n");
    },
  });
  await syncOk(b);
  assert.equal(await text(rb, "x"), "a file\n");

  // On a, the file x becomes a folder x/ holding y (and a deeper z).
  await Deno.remove(join(ra, "x"));
  await put(ra, "x/y", "inside\n");
  await put(ra, "x/deep/z", "deeper\n");
  await syncOk(a);
  const first = await syncOk(b);
  assert.deepEqual(await listTree(rb), ["keep.txt", "other.txt", "x/deep/z", "x/y"]);
  assert.equal(await text(rb, "x/y"), "inside\n", describe(["sync", "now"], first));
  assert.doesNotMatch(first.stderr, /parent is not a folder/, first.stderr);

  // On b, the folder x/ becomes a file x again.
  await Deno.remove(join(rb, "x"), { recursive: true });
  await put(rb, "x", "a file again\n");
  await syncOk(b);
  const back = await syncOk(a);
  assert.equal(await text(ra, "x"), "a file again\n", describe(["sync", "now"], back));
  assert.doesNotMatch(back.stderr, /changed on this device/, back.stderr);
  assert.equal(await treeHash(ra), await treeHash(rb));
  const status = await a.ok(["folder", "status"]);
  assert.match(status.stdout, /a \(this device\): in sync/, status.stdout);
});

Deno.test("a folder holding files that are not synced is not replaced by a file: the file is reported", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, ".mycelignore", "*.tmp\n");
      await put(ra, "x/y", "inside\n");
      await put(ra, "keep.txt", "keep\n");
      await put(ra, "other.txt", "other\n");
    },
  });
  await syncOk(b);
  // b keeps an ignored file of its own in x/.
  await put(rb, "x/scratch.tmp", "mine\n");
  await Deno.remove(join(ra, "x"), { recursive: true });
  await put(ra, "x", "now a file\n");
  await syncOk(a);
  const r = await syncNow(b);
  const shown = describe(["sync", "now"], r);
  assert.equal(r.code, 3, shown);
  assert.match(
    r.stderr,
    /x: a folder is in the way here and it is not empty/,
    shown,
  );
  assert.equal(await text(rb, "x/scratch.tmp"), "mine\n", "nothing of b's is lost");
  assert.equal(await text(rb, "x/y"), undefined, "the synced file in it was removed");
  assert.equal(await text(ra, "x"), "now a file\n", "a is untouched");
});

Deno.test("a file edited on one device while another turns its name into a folder: the folder keeps the name, the edit becomes a conflict copy, the same on both after two rounds", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, "e", "v1\n");
      await put(ra, "keep.txt", "keep\n");
      await put(ra, "other.txt", "other\n");
    },
  });
  await syncOk(b);
  // Apart: a edits e; b turns e into a folder.
  await put(ra, "e", "v2 from a\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await Deno.remove(join(rb, "e"));
  await put(rb, "e/x", "inside\n");
  await b.ok(["--no-sync", "folder", "scan"]);
  for (let round = 0; round < 2; round++) {
    for (const d of [a, b]) {
      const r = await syncNow(d);
      assert.ok(r.code === 0 || r.code === 3, describe(["sync", "now"], r));
      assert.doesNotMatch(r.stderr, /parent is not a folder|changed on this device/, r.stderr);
    }
  }
  const tree = await listTree(ra);
  assert.equal(tree.length, 4, tree.join(", "));
  const copy = tree.find((p) => p.startsWith("e.sync-conflict-"));
  assert.ok(copy !== undefined, tree.join(", "));
  assert.equal(await text(ra, copy), "v2 from a\n");
  assert.equal(await text(ra, "e/x"), "inside\n");
  assert.equal(await treeHash(ra), await treeHash(rb));
  for (const d of [a, b]) {
    const status = await d.ok(["folder", "status"]);
    assert.match(status.stdout, /\(this device\): in sync/, status.stdout);
  }
});

Deno.test("the device that edited a file another device turned into a folder gets the folder's files in the same round: exit 0, nothing still to come", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, "e", "v1\n");
      await put(ra, "keep.txt", "keep\n");
    },
  });
  await syncOk(b);
  // Apart: a edits e; b turns e into a folder. a's round is the first to see both.
  await put(ra, "e", "v2 from a\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await Deno.remove(join(rb, "e"));
  await put(rb, "e/x", "inside\n");
  await b.ok(["--no-sync", "folder", "scan"]);
  const r = await syncNow(a);
  // Before: exit 3, "1 file (7 B) still to come" (e/x waited for the next round), every peer reached.
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.doesNotMatch(r.stdout, /still to come/, r.stdout);
  assert.equal(await text(ra, "e/x"), "inside\n");
  const copy = (await listTree(ra)).find((p) => p.startsWith("e.sync-conflict-"));
  assert.ok(copy !== undefined && await text(ra, copy) === "v2 from a\n", copy);
  const st = await a.ok(["folder", "status"]);
  assert.match(st.stdout, /\(this device\): in sync/, st.stdout);
  // b takes the copy in its next round; then both hold one tree.
  await syncOk(b);
  assert.equal(await treeHash(ra), await treeHash(rb));
});

Deno.test("the file whose name became a folder stays until its conflict copy is on the disk", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, ".mycelignore", "*.tmp\n");
      await put(ra, "x", "v1\n");
      await put(ra, "keep.txt", "keep\n");
      await put(ra, "other.txt", "other\n");
    },
  });
  await syncOk(b);
  // Apart: a edits x (at a known mtime, so its copy's name is known); b makes x a folder.
  await put(ra, "x", "the edit\n");
  const when = new Date("2026-01-02T03:04:05Z");
  await Deno.utime(join(ra, "x"), when, when);
  await a.ok(["--no-sync", "folder", "scan"]);
  await Deno.remove(join(rb, "x"));
  await put(rb, "x/y", "inside\n");
  await b.ok(["--no-sync", "folder", "scan"]);
  // On a, a folder of its own (ignored content) holds the copy's name: the copy can't be written.
  const copy = `x.sync-conflict-20260102-030405-${a.id.slice(0, 7)}`;
  await put(ra, `${copy}/mine.tmp`, "in the way\n");
  const r = await syncNow(a);
  const shown = describe(["sync", "now"], r);
  assert.match(
    r.stderr,
    new RegExp(`${copy.replaceAll(".", "\\.")}: a folder is in the way`),
    shown,
  );
  assert.equal(
    await text(ra, "x"),
    "the edit\n",
    `x stays while its copy is not written: ${shown}`,
  );
  // Once the name is free, the copy is written, x gives way, and both agree.
  await Deno.remove(join(ra, copy), { recursive: true });
  for (let round = 0; round < 2; round++) for (const d of [a, b]) await syncNow(d);
  assert.equal(await text(ra, copy), "the edit\n");
  assert.equal(await text(ra, "x/y"), "inside\n");
  assert.equal(await treeHash(ra), await treeHash(rb));
});
