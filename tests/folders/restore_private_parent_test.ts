/**
 * @module restore_private_parent_test
 * `folder restore` of a deleted file whose folder lies in a folder this
 * device's user may not look into (another user made it private): the
 * restore said "Cannot continue: permission denied" with the hint about
 * the mycel home (the runtime's error from checking the folders on the
 * way, which no step named); now it names the folder it may not write
 * into, and changes nothing. The device runs as `nobody`
 * (tests/folders/_as_nobody.ts); skipped with a note where it can't.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { chownTree, NOBODY_UNAVAILABLE, USER } from "./_as_nobody.ts";
import { put, tempFiles } from "./_helpers.ts";

const CAN_RUN = NOBODY_UNAVAILABLE === undefined;
if (!CAN_RUN) console.log(`restore_private_parent_test: skipped: ${NOBODY_UNAVAILABLE}`);

Deno.test({
  name: "folder restore into a folder this user may not look into names it and changes nothing",
  ignore: !CAN_RUN,
  async fn() {
    await using h = await tempHome("mycel-restore-private-", USER);
    await h.ok(["init", "--name", "laptop"]);
    const docs = h.path("docs");
    await put(docs, "a/b/keep.txt", "keep\n");
    await chownTree(docs);
    await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
    // a/b/f.txt was deleted and kept; then another user made a private.
    await put(docs, versionPathFor("a/b/f.txt", Date.UTC(2026, 10, 1)), "then\n");
    await chownTree(join(docs, ".mycel"));
    await Deno.chown(join(docs, "a"), 0, 0);
    await Deno.chmod(join(docs, "a"), 0o700);
    const status = async () => (await h.run(["--no-sync", "folder", "status", "--json"])).stdout;
    const before = await status();
    const listed = await h.ok(["--no-sync", "folder", "versions", join(docs, "a/b/f.txt")]);
    assert.match(listed.stdout, /f~20261101-000000-000\.txt/);

    const r = await h.run(["--no-sync", "folder", "restore", join(docs, "a/b/f.txt")]);
    const shown = describe(["folder", "restore"], r);
    assert.equal(r.code, 1, shown);
    assert.ok(
      r.stderr.includes(
        "Cannot restore file: this user may not write into a (permission denied) (a/b/f.txt)",
      ),
      shown,
    );
    assert.match(r.stderr, /hint: Let this user write there; nothing was changed/, shown);
    assert.doesNotMatch(r.stderr, /Cannot continue|internal error|the mycel home/i, shown);
    assert.deepEqual([...Deno.readDirSync(join(docs, "a/b"))].map((e) => e.name), ["keep.txt"]);
    assert.deepEqual(tempFiles(docs), []);
    assert.equal(await status(), before, "nothing published");
  },
});
