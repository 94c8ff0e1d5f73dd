/**
 * A write cut short inside its swap leaves the replaced file in a
 * `.mycel-tmp-hold-*` folder and its name empty (src/files/place_entry.ts).
 * The next scan does not publish that as a deletion. `sync now` settles it
 * at once: it holds the round guard, and only rounds swap, so whoever made
 * the hold is gone. `folder scan` (no guard: a round may be inside its
 * swap) settles it once it is five minutes old — without waiting for the
 * hourly sweep. A hold whose path the folder deleted meanwhile is kept
 * under `.mycel/versions/`, not put back (before, it came back as a new
 * file and undid the deletion everywhere) — unless this device ignores the
 * path: then it goes back (it is never published, so it undoes nothing).
 * Needs libfaketime (the scan's clock moves on; the hold's ctime does not).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { fakeClock, faketimeTest } from "../helpers/faketime.ts";
import {
  devices,
  heldByKill,
  keptFiles,
  listTree,
  put,
  sharedFolder,
  syncOk,
  text,
  treeHash,
} from "./_helpers.ts";

const HOLD = ".mycel-tmp-hold-0123456789ab";

Deno.test("sync now puts back at once the file a killed round left held", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "doc.txt", "mine\n");
  await syncOk(a);
  await syncOk(b);
  await heldByKill(ra, "doc.txt", HOLD);
  const r = await a.run(["sync", "now", "--timeout", "10"]);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.equal(await text(ra, "doc.txt"), "mine\n", "the held file is back at its name");
  assert.deepEqual(await listTree(ra), ["doc.txt"]);
  assert.deepEqual(
    [...Deno.readDirSync(ra)].map((e) => e.name).filter((n) => n.startsWith(".mycel-tmp")),
    [],
    "the hold folder is gone",
  );
  await syncOk(b);
  assert.equal(await text(rb, "doc.txt"), "mine\n", "no deletion went out");
});

faketimeTest(
  "a hold is not a deletion, and folder scan puts the file back once the hold is five minutes old",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    await put(ra, "doc.txt", "mine\n");
    await put(ra, "other.txt", "other\n");
    await syncOk(a);
    await syncOk(b);
    assert.equal(await text(rb, "doc.txt"), "mine\n");

    // The kill inside the swap: doc.txt sits in a hold folder beside its empty name.
    await heldByKill(ra, "doc.txt", HOLD);
    let r = await a.run(["folder", "scan"]);
    assert.equal(r.code, 0, describe(["folder", "scan"], r));
    assert.equal(await text(ra, "doc.txt"), undefined, "a young hold is left alone");
    await syncOk(b);
    assert.equal(await text(rb, "doc.txt"), "mine\n", "no deletion went out");

    r = await a.run(["folder", "scan"], fakeClock("+10m"));
    assert.equal(r.code, 0, describe(["folder", "scan"], r));
    assert.equal(await text(ra, "doc.txt"), "mine\n", "the held file is back at its name");
    const temps = [...Deno.readDirSync(ra)].map((e) => e.name).filter((n) =>
      n.startsWith(".mycel-tmp")
    );
    assert.deepEqual(temps, [], "the hold folder is gone");
    assert.deepEqual(await listTree(ra), ["doc.txt", "other.txt"]);
    await syncOk(b);
    assert.equal(await text(rb, "doc.txt"), "mine\n");
    assert.equal(await text(rb, "other.txt"), "other\n");
  },
);

Deno.test("a file a killed round left held, with a newer version waiting: the next sync now brings that version", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "doc.txt", "first\n");
  await syncOk(a);
  await syncOk(b);
  await put(ra, "doc.txt", "second, longer\n");
  await syncOk(a);
  // b killed inside the swap that was replacing doc.txt: the old file held, the name empty.
  await heldByKill(rb, "doc.txt", HOLD);
  const r = await b.run(["sync", "now", "--timeout", "10"]);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.equal(await text(rb, "doc.txt"), "second, longer\n");
  assert.deepEqual(await listTree(rb), ["doc.txt"], "no conflict copy, nothing left held");
  await syncOk(a);
  assert.equal(await text(ra, "doc.txt"), "second, longer\n");
  assert.deepEqual(await listTree(ra), ["doc.txt"]);
});

/** The contents of every file kept under `root`'s `.mycel/versions`, as text. */
const keptContents = async (root: string) =>
  (await keptFiles(root)).map((f) => new TextDecoder().decode(f.bytes));

faketimeTest(
  "a hold a killed write left, whose file another device deleted meanwhile, is settled into .mycel/versions: the deletion is not undone",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    await put(ra, "doc.txt", "mine\n");
    await put(ra, "other.txt", "other\n");
    await syncOk(a);
    await syncOk(b);

    // The kill inside a's swap of doc.txt; then b deletes doc.txt, and a applies that.
    await heldByKill(ra, "doc.txt", HOLD);
    await Deno.remove(join(rb, "doc.txt"));
    await syncOk(b);
    await syncOk(a);

    // Five minutes on, the hold is settled: doc.txt stays deleted, its content kept.
    for (const d of [a, b, a, b]) {
      const r = await d.run(["sync", "now", "--timeout", "10"], fakeClock("+10m"));
      assert.equal(r.code, 0, describe(["sync", "now"], r));
    }
    assert.deepEqual(await listTree(ra), ["other.txt"]);
    assert.deepEqual(await listTree(rb), ["other.txt"], "the deleted file did not come back");
    assert.ok((await keptContents(ra)).includes("mine\n"), "the held file is kept on a");
    const temps = [...Deno.readDirSync(ra)].map((e) => e.name).filter((n) =>
      n.startsWith(".mycel-tmp")
    );
    assert.deepEqual(temps, [], "the hold folder is gone");
  },
);

Deno.test({
  name:
    "a folder that became a file elsewhere while a killed write's hold sat in it: the next round settles the hold, the file takes the name, the folder's file does not come back",
  async fn() {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    await put(ra, "q/x", "in the folder\n");
    await put(ra, "other.txt", "other\n");
    await put(ra, "more.txt", "more\n");
    await syncOk(a);
    await syncOk(b);

    // The kill inside b's swap of q/x; then a turns the folder q/ into a file q.
    await heldByKill(rb, "q/x", HOLD);
    await Deno.remove(join(ra, "q"), { recursive: true });
    await put(ra, "q", "now a file\n");
    await syncOk(a);
    // b's next round settles the hold first (it holds the round guard), then applies a's change.
    for (const d of [b, a, b, a]) {
      const r = await d.run(["sync", "now", "--timeout", "10"]);
      assert.equal(r.code, 0, describe(["sync", "now"], r));
    }
    assert.equal(await text(rb, "q"), "now a file\n");
    assert.deepEqual(await listTree(rb), ["more.txt", "other.txt", "q"]);
    assert.equal(await treeHash(ra), await treeHash(rb));
    assert.ok((await keptContents(rb)).includes("in the folder\n"), "the held file is kept on b");
  },
});

// A path this device ignores is never published, so its held file undoes
// no deletion when put back: it goes back, whatever the state says (found by
// a review: the hourly sweep had moved such a file to .mycel/versions/,
// where it is pruned after the keep days).
faketimeTest(
  "a hold under a folder ignored here, whose file another device deleted: the hourly sweep puts it back",
  async () => {
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs, "docs", {
      seed: async (r) => {
        await put(r, "priv/x.txt", "a's notes\n");
        for (const k of ["f1", "f2", "f3", "f4"]) await put(r, k, `${k}\n`);
      },
    });
    await syncOk(b);
    assert.equal(await text(rb, "priv/x.txt"), "a's notes\n");
    await put(ra, ".mycel/ignore", "priv/\n"); // this device only
    await syncOk(a);
    await Deno.remove(join(rb, "priv/x.txt"));
    await syncOk(b);
    // A write of priv/x.txt cut short inside its swap; the scan does not walk priv/.
    await heldByKill(ra, "priv/x.txt", HOLD);
    await syncOk(a);
    // Two hours on: the round's hourly sweep finds the hold.
    const r = await a.run(["sync", "now", "--timeout", "10"], fakeClock("+2h"));
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.equal(await text(ra, "priv/x.txt"), "a's notes\n", "the ignored file is back");
    assert.deepEqual(await keptContents(ra), [], "nothing went to .mycel/versions");
  },
);

Deno.test("a hold of a file a pattern ignores here, deleted elsewhere: sync now puts it back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (r) => {
      await put(r, "run.log", "a's log\n");
      for (const k of ["f1", "f2", "f3", "f4"]) await put(r, k, `${k}\n`);
    },
  });
  await syncOk(b);
  assert.equal(await text(rb, "run.log"), "a's log\n");
  await put(ra, ".mycel/ignore", "*.log\n");
  await syncOk(a);
  await Deno.remove(join(rb, "run.log"));
  await syncOk(b);
  // The scan walks the folder and sees the hold; the round settles it at once.
  await heldByKill(ra, "run.log", HOLD);
  const r = await a.run(["sync", "now", "--timeout", "10"]);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.equal(await text(ra, "run.log"), "a's log\n", "the ignored file is back");
  assert.deepEqual(await keptContents(ra), []);
});
