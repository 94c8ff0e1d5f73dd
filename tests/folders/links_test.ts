/**
 * Symbolic links between two devices: a link that arrives is not published
 * back as the receiver's own change (its mode, 0777 on Linux, read as an
 * execute bit made every scan see it changed: every round republished it,
 * and a later edit elsewhere became a conflict with the echo), and a file
 * that replaces a link gets 0644, not the link's 0777 read and write bits
 * (it was written 0666). Found by a helper's exploration on real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, listTree, put, sharedFolder, syncOk, text, treeHash } from "./_helpers.ts";

Deno.test("a link that arrives is not published back, and a file replacing it arrives 0644, with no conflict", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (ra) => put(ra, "f1.txt", "one\n"),
  });
  await syncOk(b);
  await Deno.symlink("f1.txt", join(ra, "link"));
  await syncOk(a);
  await syncOk(b);
  assert.equal(await Deno.readLink(join(rb, "link")), "f1.txt");
  const scan = await b.tmp.json<{ published: number }[]>(["--no-sync", "folder", "scan", "--json"]);
  assert.equal(scan[0].published, 0, "b published the link it received as its own change");
  // Idle rounds stay idle.
  for (const d of [a, b, a]) {
    const r = await syncOk(d);
    assert.doesNotMatch(r.stdout, /applied/, `${d.name}: ${r.stdout}`);
  }

  // The link becomes a file on a.
  await Deno.remove(join(ra, "link"));
  await put(ra, "link", "now a file\n");
  await syncOk(a);
  await syncOk(b);
  await syncOk(a);
  assert.equal(await text(rb, "link"), "now a file\n");
  assert.equal((await Deno.lstat(join(rb, "link"))).mode! & 0o777, 0o644);
  for (const root of [ra, rb]) {
    assert.deepEqual(
      (await listTree(root)).filter((p) => p.includes("sync-conflict")),
      [],
      `a conflict copy in ${root}`,
    );
  }
  assert.equal(await treeHash(rb), await treeHash(ra));
});
