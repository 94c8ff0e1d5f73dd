/**
 * A write cut short inside its swap leaves the replaced file in a
 * `.mycel-tmp-hold-*` folder and its name empty (src/files/place_entry.ts).
 * The next scan does not publish that as a deletion, and once the hold is
 * five minutes old the scan settles it: the file is back at its name —
 * without waiting for the hourly sweep. Needs libfaketime (the scan's clock
 * moves on; the hold's ctime does not).
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

Deno.test({
  name:
    "a hold a killed write left is not a deletion, and a scan five minutes on puts the file back",
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
    let r = await a.run(["sync", "now", "--timeout", "10"]);
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.equal(await text(ra, "doc.txt"), undefined, "a young hold is left alone");
    await syncOk(b);
    assert.equal(await text(rb, "doc.txt"), "mine\n", "no deletion went out");

    r = await a.run(["sync", "now", "--timeout", "10"], fakeClock("+10m"));
    assert.equal(r.code, 0, describe(["sync", "now"], r));
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
