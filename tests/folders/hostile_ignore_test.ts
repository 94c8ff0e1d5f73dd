/**
 * @module hostile_ignore_test
 * A hostile member's `.mycelignore` (real processes): the file is synced,
 * so any member writes the rules every device matches. One line of twelve
 * `**` and one file 36 folders deep made each scan of that path take about
 * 40 s with the npm `ignore` package's regular expressions, and `sync now`
 * scans before it syncs: every device froze. mycel's own matcher answers
 * such a path in well under a millisecond, and the rule still means what
 * gitignore says.
 */

import assert from "node:assert/strict";
import { devices, put, sharedFolder, syncOk, text } from "./_helpers.ts";

const RULE = `${Array(12).fill("a").join("/**/")}/**/b`;
const DEEP = Array(35).fill("a").join("/");

Deno.test("a member's .mycelignore of twelve ** and a file 36 folders deep: the other device's sync now still completes in seconds, and the rule still ignores", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, ".mycelignore", `${RULE}\n`);
  await put(ra, `${DEEP}/c.txt`, "kept\n");
  await syncOk(a);
  const took: number[] = [];
  const timedSync = async () => {
    const t0 = performance.now();
    await syncOk(b);
    took.push(Math.round(performance.now() - t0));
  };
  await timedSync(); // b takes both files, then scans them
  await timedSync();
  assert.equal(await text(rb, ".mycelignore"), `${RULE}\n`);
  assert.equal(await text(rb, `${DEEP}/c.txt`), "kept\n");
  // What the rule names stays on the device that has it.
  await put(rb, `${DEEP}/b`, "b's own\n");
  await put(rb, `${DEEP}/d.txt`, "synced\n");
  await timedSync();
  await syncOk(a);
  assert.equal(await text(ra, `${DEEP}/d.txt`), "synced\n");
  assert.equal(await text(ra, `${DEEP}/b`), undefined, "a/**/…/b is ignored");
  // Before, the first of these alone took about 40 s.
  for (const ms of took) assert.ok(ms < 20_000, `b's sync now took ${took.join(", ")} ms`);
});
