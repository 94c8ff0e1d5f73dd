/**
 * @module override_stopped_test
 * `folder override` of a folder that is stopped here (its marker gone: a
 * disk not mounted, the folder moved) is refused with `folder_stopped`,
 * exit 1, a hint saying how to bring it back, and changes nothing — with
 * and without --dry-run. Before, the error had no hint line, and --dry-run
 * (which lists from the last scan) said "every path already matches this
 * device's disk" of a folder whose marker was gone since that scan (found
 * by an audit of the folder commands, issue 13). Real processes, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { soloFolder } from "./_helpers.ts";

Deno.test("folder override of a stopped folder says how to bring it back and changes nothing", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  await Deno.rename(join(docs, ".mycel-folder"), h.path("marker"));
  const before = await h.json<StatusJson>(["--no-sync", "status", "--json"]);
  for (const extra of [["--dry-run"], ["--yes"]]) {
    const args = ["--no-sync", "folder", "override", "docs", ...extra];
    const r = await h.run(args);
    const what = describe(args, r);
    assert.equal(r.code, 1, what);
    assert.equal(r.stdout, "", what);
    assert.match(r.stderr, /^error: Cannot override folder: folder stopped: marker missing/, what);
    assert.match(
      r.stderr,
      /\nhint: Nothing changed\. If it moved: `mycel folder move docs NEWPATH`/,
    );
    const j = await h.run([...args, "--json"]);
    assert.equal(JSON.parse(j.stderr).error.code, "folder_stopped", describe(args, j));
  }
  const after = await h.json<StatusJson>(["--no-sync", "status", "--json"]);
  assert.equal(after.state_digest, before.state_digest);
  assert.deepEqual(after.log, before.log);
});
