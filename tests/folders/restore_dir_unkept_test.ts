/**
 * @module restore_dir_unkept_test
 * `folder restore DIR` on the device that deleted DIR, which keeps no copy
 * of its own deletions, names each file deleted under it and says where a
 * copy is: on each device that applied the deletion, where the same command
 * puts them back for every device. Before, it said "Cannot restore file: it
 * has no kept versions (d)", as if nothing could be got back (issue 13).
 * Real processes, two devices.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { devices, syncOk, text } from "./_helpers.ts";
import { dirDeletedOnA } from "./_deleted_dir.ts";

Deno.test("folder restore DIR on the device that deleted it names each file and where a copy is kept; there, it puts them back everywhere", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await dirDeletedOnA(devs);

  const r = await a.run(["--no-sync", "folder", "restore", join(ra, "d"), "--json"]);
  assert.equal(r.code, 1, describe(["folder", "restore"], r));
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.restored, []);
  assert.deepEqual(out.not_restored.map((f: { path: string }) => f.path), [
    "d/a.txt",
    "d/sub/b.txt",
  ]);
  assert.match(
    out.not_restored[0].reason,
    /^deleted on this device .+, which keeps no copy of its own deletions$/,
  );
  const human = await a.run(["--no-sync", "folder", "restore", join(ra, "d")]);
  assert.equal(human.code, 1, describe(["folder", "restore"], human));
  assert.match(human.stderr, /^not restored: d\/sub\/b\.txt: deleted on this device /m);
  assert.match(
    human.stderr,
    /^A device that applied a deletion keeps a copy of what it removed: `mycel folder restore` of d on one of them puts those back, here too\.$/m,
  );
  assert.match(human.stdout, /^Restored nothing under d: 2 deleted files could not be put back/m);
  assert.equal(await text(ra, "d/a.txt"), undefined, "nothing written");

  // On b, which applied the deletion and kept both: put back, and a gets them.
  const there = await b.run(["--no-sync", "folder", "restore", join(rb, "d")]);
  assert.equal(there.code, 0, describe(["folder", "restore"], there));
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(ra, "d/a.txt"), "a\n");
  assert.equal(await text(ra, "d/sub/b.txt"), "b\n");
  // Nothing deleted under d any more: nothing to restore, on either device.
  const again = await a.run(["--no-sync", "folder", "restore", join(ra, "d"), "--json"]);
  assert.equal(again.code, 1, describe(["folder", "restore"], again));
  assert.equal(JSON.parse(again.stderr).error.code, "nothing_to_restore");
});
