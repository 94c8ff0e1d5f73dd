/**
 * @module mass_delete_dirs_test
 * A mass deletion is measured in files: empty folders (index rows of their
 * own) neither count as files lost nor dilute the folder it is measured
 * against. Before, a folder of 4 files and 10 empty folders lost all 4
 * files in one scan and the deletions went out unasked (4 of 14 entries is
 * not more than half), and the question named a count of "files" that the
 * folder's status did not show. Real processes, one device, no terminal:
 * the deletions are held until `--yes`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";

Deno.test("deleting every file of a folder that also holds empty folders is held as a mass deletion", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await Deno.mkdir(docs);
  for (let i = 0; i < 4; i++) await Deno.writeTextFile(join(docs, `f${i}.txt`), `${i}\n`);
  for (let i = 0; i < 10; i++) await Deno.mkdir(join(docs, `empty${i}`));
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  for (let i = 0; i < 4; i++) await Deno.remove(join(docs, `f${i}.txt`));

  const scan = await h.ok(["folder", "scan", "docs"]);
  assert.match(scan.stderr, /^docs: 4 of 4 files are gone on disk: the deletions are held\./m);
  assert.match(scan.stdout, /published 0 changes; 4 deletions held/, scan.stdout);
  const [st] = await h.json<{ files: number; held_deletes: number }[]>(
    ["folder", "status", "docs", "--json"],
  );
  assert.deepEqual([st.files, st.held_deletes], [4, 4]);

  const yes = await h.ok(["folder", "scan", "docs", "--yes"]);
  assert.match(yes.stdout, /^docs: 0 files; published 4 changes$/m, yes.stdout);

  // Empty folders hold nothing to lose: removing them is no mass deletion.
  await Deno.writeTextFile(join(docs, "kept.txt"), "k\n");
  await h.ok(["folder", "scan", "docs"]);
  for (let i = 0; i < 6; i++) await Deno.remove(join(docs, `empty${i}`));
  const dirs = await h.ok(["folder", "scan", "docs"]);
  assert.equal(dirs.stderr, "");
  assert.match(dirs.stdout, /^docs: 1 file; published 6 changes$/m, dirs.stdout);
});
