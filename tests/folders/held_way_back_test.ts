/**
 * @module held_way_back_test
 * Files deleted here by mistake (more than half of a folder: the deletions
 * are held) are still on the other devices, and the user wants them back.
 * The round that holds the deletions and `folder status` say how: `folder
 * remove`, then `folder join` at the same path (a folder joined again where
 * it was left does not publish what went missing meanwhile: it comes back).
 * Before, both said only how to send the deletions, so the one way back
 * was not said anywhere. Real processes, two devices; the commands given
 * are run as said and the files come back, nothing deleted on the other.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { listTree, put, rounds, sharedFolder, syncNow, syncOk } from "./_helpers.ts";
import { devices } from "./_helpers.ts";

Deno.test("held deletions say how to get the files back here, and that way brings them back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  for (let i = 0; i < 6; i++) await put(ra, `notes/f${i}.txt`, `file ${i}\n`);
  await rounds([a, b], 1);
  assert.equal((await listTree(rb)).length, 6);
  await Deno.remove(join(rb, "notes"), { recursive: true });

  const back = `mycel folder remove docs\`, then \`mycel folder join docs ${rb}\``;
  const held = await syncNow(b);
  assert.equal(held.code, 0, describe(["sync", "now"], held));
  assert.ok(
    held.stderr.includes(
      "docs: 6 of 6 files are gone on disk: the deletions are held. If they are meant, run " +
        `\`mycel folder scan docs --yes\`; to get the files back here instead: \`${back}.`,
    ),
    held.stderr,
  );
  const st = await b.ok(["--no-sync", "folder", "status", "docs"]);
  assert.ok(
    st.stdout.includes(
      "6 deletions held here: confirm with `mycel folder scan docs --yes`, or get the files " +
        `back: \`${back}`,
    ),
    st.stdout,
  );

  // The way said: the files come back, and nothing was deleted on a.
  await b.ok(["--no-sync", "folder", "remove", "docs"]);
  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await syncOk(b);
  assert.equal((await listTree(rb)).length, 6);
  await syncOk(a);
  assert.equal((await listTree(ra)).length, 6);
  const after = await b.ok(["--no-sync", "folder", "status", "docs"]);
  assert.doesNotMatch(after.stdout, /held/, after.stdout);
});
