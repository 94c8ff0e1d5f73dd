/**
 * Two files swapped on another device (a↔b, by renames) keep nothing under
 * `.mycel/versions` on the device that receives the swap: each file a peer's
 * change replaced there still sits in the folder after the round, under the
 * other name. Before, both old files were kept (twice the swapped data in
 * kept versions for 30 days). A file whose old content ends up nowhere else
 * in the folder is still kept. Real processes and files.
 */

import assert from "node:assert/strict";
import { devices, keptFiles, put, rounds, sharedFolder, syncOk, text } from "./_helpers.ts";
import { SWAP_TEXTS, swapByRenames } from "./_swap.ts";

Deno.test("a swap received from another device keeps no version of what is still in the folder", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const [one, two] = SWAP_TEXTS;
  await put(ra, "a.txt", one);
  await put(ra, "b.txt", two);
  await put(ra, "c.txt", "c before\n");
  await rounds([a, b], 2);
  assert.equal(await text(rb, "a.txt"), one);

  // a↔b swapped by renames, and c edited (its old content is then nowhere).
  await swapByRenames(ra, "a.txt", "b.txt");
  await put(ra, "c.txt", "c after\n");
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "a.txt"), two);
  assert.equal(await text(rb, "b.txt"), one);
  assert.equal(await text(rb, "c.txt"), "c after\n");

  const kept = await keptFiles(rb);
  const said = kept.map((k) => `${k.path} (${k.bytes.length} B)`).join(", ");
  assert.deepEqual(
    kept.map((k) => new TextDecoder().decode(k.bytes)),
    ["c before\n"],
    `only c's old content is kept: ${said}`,
  );
});
