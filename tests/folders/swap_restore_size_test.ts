/**
 * `folder restore` of a version noted "now at b.txt" (moved_kept.ts) when
 * b.txt is now of another size: refused as other content before anything is
 * copied. Before, b.txt was copied whole into the folder first (a temporary
 * file beside it, as large as b.txt, a sparse one written out in full) and
 * only then refused by its size. Real processes, two devices; the restore
 * is held to a part of the CPU so a copy under way is seen.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { isTempName } from "../../src/files/folder_layout.ts";
import { devices, sharedFolder, signalIfRunning, text, throttleUntil } from "./_helpers.ts";
import { textsSwapped } from "./_swap.ts";

Deno.test("a version now at b.txt is refused without copying b.txt when b.txt is of another size now", async () => {
  await using devs = await devices(["a", "b"]);
  const [, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [, two] = await textsSwapped(devs.list, ra, "a.txt", "b.txt");
  // b.txt now 256 MiB (sparse: no disk used until copied).
  await Deno.truncate(join(rb, "b.txt"), 256 << 20);

  const p = b.tmp.spawn(["folder", "restore", join(rb, "a.txt"), "--version", "1"], {
    timeoutMs: 120_000,
  });
  const copying = () => [...Deno.readDirSync(rb)].some((e) => isTempName(e.name));
  const copied = await throttleUntil(p.pid, copying);
  if (copied) signalIfRunning(p.pid, "SIGKILL");
  const r = await p.result();
  assert.ok(!copied, "no copy of b.txt was begun");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /and b\.txt holds other content now \(a\.txt\)/);
  assert.equal(await text(rb, "a.txt"), two, "a.txt unchanged");
  assert.equal((await Deno.stat(join(rb, "b.txt"))).size, 256 << 20, "b.txt unchanged");
});
