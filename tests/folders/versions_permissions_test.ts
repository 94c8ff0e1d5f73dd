/**
 * @module versions_permissions_test
 * `folder versions` and `folder restore` where this device's user may not
 * look or write (a folder under `.mycel/versions` another user keeps
 * private, a kept version it may not read, a file's folder it may not write
 * into, a folder of kept versions it may not add the replaced file to): a
 * named error that says which, with what to do, and nothing changed —
 * never "Cannot continue: permission denied", whose hint points at the
 * mycel home. The device runs as `nobody` (tests/folders/_as_nobody.ts);
 * skipped with a note where it can't.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { chownTree, NOBODY_UNAVAILABLE, USER } from "./_as_nobody.ts";
import { put, text } from "./_helpers.ts";

const CAN_RUN = NOBODY_UNAVAILABLE === undefined;
if (!CAN_RUN) console.log(`versions_permissions_test: skipped: ${NOBODY_UNAVAILABLE}`);

Deno.test({
  name:
    "folder versions and restore where this user may not list the kept versions, read the one asked for, or write the file back, say so by name and change nothing",
  ignore: !CAN_RUN,
  async fn() {
    await using h = await tempHome("mycel-versions-", USER);
    await h.ok(["init", "--name", "laptop"]);
    const docs = h.path("docs");
    await put(docs, "sub/a.txt", "now\n");
    await put(docs, "b.txt", "b now\n");
    await put(docs, "locked/c.txt", "c now\n");
    await put(docs, "keep/e.txt", "e now\n");
    await chownTree(docs);
    await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
    // Kept versions left to root: sub's folder private, b's file private.
    const keptA = versionPathFor("sub/a.txt", Date.UTC(2026, 10, 1));
    const keptB = versionPathFor("b.txt", Date.UTC(2026, 10, 1));
    await put(docs, keptA, "a then\n");
    await put(docs, keptB, "b then\n");
    await put(docs, versionPathFor("locked/c.txt", Date.UTC(2026, 10, 1)), "c then\n");
    await put(docs, versionPathFor("keep/e.txt", Date.UTC(2026, 10, 1)), "e then\n");
    await chownTree(join(docs, ".mycel"));
    await Deno.chown(join(docs, ".mycel/versions/sub"), 0, 0);
    await Deno.chmod(join(docs, ".mycel/versions/sub"), 0o700);
    await Deno.chown(join(docs, keptB), 0, 0);
    await Deno.chmod(join(docs, keptB), 0o600);
    // …and c's folder, which this user may read but not write into.
    await Deno.chown(join(docs, "locked"), 0, 0);
    // …and e's folder of kept versions, which it may read but not add to.
    await Deno.chown(join(docs, ".mycel/versions/keep"), 0, 0);
    const status = async () => (await h.run(["--no-sync", "folder", "status", "--json"])).stdout;
    const before = await status();

    for (const cmd of ["versions", "restore"]) {
      const r = await h.run(["--no-sync", "folder", cmd, join(docs, "sub/a.txt")]);
      const shown = describe(["folder", cmd], r);
      assert.equal(r.code, 1, shown);
      assert.ok(
        r.stderr.includes(
          `Cannot list old versions of sub/a.txt: permission denied (${
            join(docs, ".mycel/versions/sub")
          })`,
        ),
        shown,
      );
      assert.match(r.stderr, /Let this user read that folder/, shown);
      assert.doesNotMatch(r.stderr, /Cannot continue|internal error|the mycel home/i, shown);
    }
    // Listed, but the version itself can't be read: the restore says which.
    const listed = await h.ok(["--no-sync", "folder", "versions", join(docs, "b.txt")]);
    assert.match(listed.stdout, /\.mycel\/versions\/b~20261101-000000-000\.txt/);
    const r = await h.run(["--no-sync", "folder", "restore", join(docs, "b.txt")]);
    const shown = describe(["folder", "restore"], r);
    assert.equal(r.code, 1, shown);
    assert.ok(
      r.stderr.includes(
        `Cannot restore file: the kept version can't be read: permission denied (${keptB})`,
      ),
      shown,
    );
    assert.doesNotMatch(r.stderr, /Cannot continue|internal error|the mycel home/i, shown);
    // Readable, but its folder can't be written: said, and no temporary file stays.
    const c = await h.run(["--no-sync", "folder", "restore", join(docs, "locked/c.txt")]);
    const shownC = describe(["folder", "restore"], c);
    assert.equal(c.code, 1, shownC);
    assert.ok(
      c.stderr.includes(
        "Cannot restore file: this user may not write into locked (permission denied) (locked/c.txt)",
      ),
      shownC,
    );
    assert.doesNotMatch(c.stderr, /Cannot continue|internal error|the mycel home/i, shownC);
    // The file it replaces can't be kept first: said, and the file stays as it was.
    const e = await h.run(["--no-sync", "folder", "restore", join(docs, "keep/e.txt")]);
    const shownE = describe(["folder", "restore"], e);
    assert.equal(e.code, 1, shownE);
    assert.ok(
      e.stderr.includes(
        "Cannot restore file: the file it replaces can't be kept first: permission denied (.mycel/versions)",
      ),
      shownE,
    );
    assert.equal(await text(docs, "keep/e.txt"), "e now\n");
    assert.deepEqual([...Deno.readDirSync(join(docs, "keep"))].map((e) => e.name), ["e.txt"]);

    assert.equal(await text(docs, "sub/a.txt"), "now\n");
    assert.equal(await text(docs, "locked/c.txt"), "c now\n");
    assert.deepEqual([...Deno.readDirSync(join(docs, "locked"))].map((e) => e.name), ["c.txt"]);
    assert.equal(await text(docs, "b.txt"), "b now\n");
    assert.deepEqual([...Deno.readDirSync(docs)].map((e) => e.name).sort(), [
      ".mycel",
      ".mycel-folder",
      "b.txt",
      "keep",
      "locked",
      "sub",
    ]);
    assert.equal(await status(), before, "nothing published");
  },
});
