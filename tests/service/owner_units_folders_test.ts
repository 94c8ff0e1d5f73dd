/**
 * A user's home whose folders root-run rounds wrote (system units before
 * they ran as the home's owner, `sudo mycel sync now`): `service install
 * --system` makes the units run as that user, whose rounds must still be
 * able to write where root's made folders. Devices run as `nobody` through
 * `setpriv`; needs root, skipped with a note otherwise.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { Devices } from "../sync/_helpers.ts";
import { put, sharedFolder, syncNow, syncOk, text } from "../folders/_helpers.ts";
import { NOBODY_UNAVAILABLE, USER } from "../folders/_as_nobody.ts";

if (NOBODY_UNAVAILABLE) console.log(`owner_units_folders_test: skipped: ${NOBODY_UNAVAILABLE}`);

Deno.test({
  name:
    "service install --system on a user's home gives back what root-run rounds made in its folders, so the units' rounds as that user write there",
  ignore: NOBODY_UNAVAILABLE !== undefined,
  async fn() {
    await using devs = new Devices();
    const a = await devs.add("a");
    const b = await devs.add("b", undefined, USER);
    const [ra, rb] = await sharedFolder(devs, "docs", {
      seed: (root) => put(root, "top.txt", "top\n"),
    });
    await syncOk(b);
    // A round run by root for the user (the old system units).
    await put(ra, "sub/deep/x.txt", "x\n");
    await syncOk(a);
    const asRoot = { user: undefined, env: { MYCEL_HOME_OWNER: "65534" } };
    const byRoot = await b.run(["sync", "now", "--timeout", "10"], asRoot);
    assert.equal(byRoot.code, 0, describe(["sync", "now"], byRoot));
    assert.equal(await text(rb, "sub/deep/x.txt"), "x\n");
    assert.equal((await Deno.lstat(join(rb, "sub"))).uid, 0, "root made the folder");

    // Root's own files the user links to from the folder stay root's.
    const outside = [b.tmp.path("root-file"), b.tmp.path("root-file-2")];
    for (const f of outside) await Deno.writeTextFile(f, "root's\n");
    await Deno.symlink(outside[0], join(rb, "sub", "link"));
    await Deno.link(outside[1], join(rb, "sub", "hard"));

    const dir = b.tmp.path("units");
    const install = ["service", "install", "--system", "--dir", dir, "--no-enable"];
    const as = { user: undefined, env: { SUDO_UID: "65534", MYCEL_OFFLINE: "1" } };
    const done = await b.ok(install, as);
    assert.match(done.stderr, /gave 3 files and folders root had made in .* back to uid 65534/);
    for (const f of outside) assert.equal((await Deno.lstat(f)).uid, 0, f);
    await Deno.remove(join(rb, "sub", "link"));
    await Deno.remove(join(rb, "sub", "hard"));

    // The units' round, as the user: a's new files land in root's old folders.
    await put(ra, "sub/deep/y.txt", "y\n");
    await put(ra, "sub/z.txt", "z\n");
    await syncOk(a);
    const r = await syncNow(b);
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.equal(await text(rb, "sub/deep/y.txt"), "y\n");
    assert.equal(await text(rb, "sub/z.txt"), "z\n");
    for (const p of ["sub", "sub/deep", "sub/deep/x.txt"]) {
      assert.equal((await Deno.lstat(join(rb, p))).uid, 65534, p);
    }
  },
});
