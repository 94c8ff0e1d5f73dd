/**
 * A write cut short inside its swap leaves the replaced file in a
 * `.mycel-tmp-hold-*` folder and its name empty (src/files/place_entry.ts).
 * The next scan does not publish that as a deletion. `sync now` settles it
 * at once: it holds the round guard, and only rounds swap, so whoever made
 * the hold is gone. `folder scan` (no guard: a round may be inside its
 * swap) settles it once it is five minutes old — without waiting for the
 * hourly sweep. Needs libfaketime (the scan's clock moves on; the hold's
 * ctime does not).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { fakeClock, findLibfaketime } from "../helpers/faketime.ts";
import { devices, listTree, put, sharedFolder, syncOk, text } from "./_helpers.ts";

const LIB = findLibfaketime();
const IN_CI = Deno.env.get("CI") !== undefined;
if (LIB === undefined && !IN_CI) {
  console.log("stale_hold_test: skipped: libfaketime is not installed (apt-get install faketime)");
}
const HOLD = ".mycel-tmp-hold-0123456789ab";

Deno.test("sync now puts back at once the file a killed round left held", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "doc.txt", "mine\n");
  await syncOk(a);
  await syncOk(b);
  await Deno.mkdir(join(ra, HOLD));
  await Deno.rename(join(ra, "doc.txt"), join(ra, HOLD, "doc.txt"));
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

Deno.test({
  name:
    "a hold is not a deletion, and folder scan puts the file back once the hold is five minutes old",
  ignore: LIB === undefined && !IN_CI,
  async fn() {
    assert.ok(LIB !== undefined, "CI must install faketime (scripts/install_test_deps.sh)");
    await using devs = await devices(["a", "b"]);
    const [a, b] = devs.list;
    const [ra, rb] = await sharedFolder(devs);
    await put(ra, "doc.txt", "mine\n");
    await put(ra, "other.txt", "other\n");
    await syncOk(a);
    await syncOk(b);
    assert.equal(await text(rb, "doc.txt"), "mine\n");

    // The kill inside the swap: doc.txt sits in a hold folder beside its empty name.
    await Deno.mkdir(join(ra, HOLD));
    await Deno.rename(join(ra, "doc.txt"), join(ra, HOLD, "doc.txt"));
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
});

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
  await Deno.mkdir(join(rb, HOLD));
  await Deno.rename(join(rb, "doc.txt"), join(rb, HOLD, "doc.txt"));
  const r = await b.run(["sync", "now", "--timeout", "10"]);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.equal(await text(rb, "doc.txt"), "second, longer\n");
  assert.deepEqual(await listTree(rb), ["doc.txt"], "no conflict copy, nothing left held");
  await syncOk(a);
  assert.equal(await text(ra, "doc.txt"), "second, longer\n");
  assert.deepEqual(await listTree(ra), ["doc.txt"]);
});
