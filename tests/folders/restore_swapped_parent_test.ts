/**
 * @module restore_swapped_parent_test
 * A folder on the way to the file `folder restore` puts back, swapped for a
 * link to outside the synced folder while the kept version is copied (a
 * large one takes a while): the restore stops with a named error and puts
 * nothing through the link. Before, the parents were checked once, before
 * the copy, and the rename went through the link: the restored file landed
 * outside the folder and the restore said "Restored". Real process, one
 * device, held to a part of the CPU until its temporary file appears.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { isTempName } from "../../src/files/folder_layout.ts";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { put, signalIfRunning, soloFolder, tempFiles, text, throttleUntil } from "./_helpers.ts";

Deno.test("folder restore whose folder is swapped for a link to outside mid-copy writes nothing through it", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  await put(docs, "d/big.bin", "now\n");
  // 64 MiB: the copy into the temporary file lasts long enough to be caught.
  await put(docs, versionPathFor("d/big.bin", Date.UTC(2026, 10, 1)), new Uint8Array(64 << 20));
  const outside = h.path("outside");
  await Deno.mkdir(outside);

  const p = h.spawn(["--no-sync", "folder", "restore", join(docs, "d", "big.bin")], {
    timeoutMs: 60_000,
  });
  const copying = () => [...Deno.readDirSync(join(docs, "d"))].some((e) => isTempName(e.name));
  const caught = await throttleUntil(p.pid, copying);
  signalIfRunning(p.pid, "SIGSTOP");
  // d (with the temporary file in it) moves out of the folder; a link takes its place.
  const swapped = caught && copying();
  if (swapped) {
    await Deno.rename(join(docs, "d"), join(outside, "d"));
    await Deno.symlink(join(outside, "d"), join(docs, "d"));
  }
  signalIfRunning(p.pid, "SIGCONT");
  const r = await p.result();
  const shown = describe(["folder", "restore"], r);
  assert.ok(swapped, `the copy was caught under way: ${shown}`);
  assert.equal(r.code, 1, shown);
  assert.match(
    r.stderr,
    /Cannot restore file: a folder on the way moved or became a symbolic link meanwhile \(d\/big\.bin\)/,
    shown,
  );
  assert.equal(await text(outside, "d/big.bin"), "now\n", "nothing put back through the link");
  assert.deepEqual(tempFiles(join(outside, "d")), [], "the temporary file removed");
  assert.deepEqual(tempFiles(docs), []);
});
