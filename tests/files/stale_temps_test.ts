/**
 * @module stale_temps_test
 * The hourly sweep of stale temporary files (removeStaleTemps, run by
 * folder_round.ts) settles the holds a write cut short left as the scan's
 * settling does: a held file whose path the folder deleted since goes into
 * `.mycel/versions/`, not back to its name — back, it was a new file and the
 * next scan undid the deletion everywhere. Age is faked with `now` (a hold's
 * ctime can't be set back).
 */

import assert from "node:assert/strict";
import { removeStaleTemps } from "../../src/files/stale_temps.ts";
import { listVersions } from "../../src/files/versions.ts";
import { tempsIn, testFolder } from "./helpers.ts";

const HOUR = 3600_000;

Deno.test("the hourly sweep keeps a held file whose path the folder deleted under versions, and puts the others back", async () => {
  await using f = await testFolder();
  await f.write("d/.mycel-tmp-hold-0123456789ab/gone.txt", "deleted elsewhere meanwhile");
  await f.write("d/.mycel-tmp-hold-ba9876543210/live.txt", "still in the folder");
  const asked: string[] = [];
  const deleted = (path: string) => {
    asked.push(path);
    return path === "d/gone.txt";
  };
  // Under an hour old: left alone (it may be a live write elsewhere).
  assert.deepEqual(await removeStaleTemps(f.root, { now: Date.now() + HOUR / 2, deleted }), []);
  const swept = await removeStaleTemps(f.root, { now: Date.now() + HOUR + 60_000, deleted });
  assert.deepEqual(swept, ["d/.mycel-tmp-hold-0123456789ab", "d/.mycel-tmp-hold-ba9876543210"]);
  assert.deepEqual(asked.sort(), ["d/gone.txt", "d/live.txt"]);
  await assert.rejects(Deno.lstat(f.abs("d/gone.txt")), Deno.errors.NotFound);
  const kept = await listVersions(f.root, "d/gone.txt");
  assert.equal(kept.length, 1, "kept, not put back");
  assert.equal(await Deno.readTextFile(f.abs(kept[0].path)), "deleted elsewhere meanwhile");
  assert.equal(await Deno.readTextFile(f.abs("d/live.txt")), "still in the folder");
  assert.deepEqual(await tempsIn(f.root), []);
  assert.deepEqual(await tempsIn(f.abs("d")), []);
});

Deno.test("the hourly sweep puts back a folder a hold caught, even where the state deletes its path", async () => {
  await using f = await testFolder();
  await f.write("d/.mycel-tmp-hold-0123456789ab/work/notes.txt", "the user's");
  const swept = await removeStaleTemps(f.root, {
    now: Date.now() + HOUR + 60_000,
    deleted: () => true,
  });
  assert.deepEqual(swept, ["d/.mycel-tmp-hold-0123456789ab"]);
  assert.equal(
    await Deno.readTextFile(f.abs("d/work/notes.txt")),
    "the user's",
    "back in the tree",
  );
  assert.deepEqual(await tempsIn(f.abs("d")), []);
});

Deno.test("the hourly sweep does not enter a folder apart from this one (another synced folder inside it)", async () => {
  await using f = await testFolder();
  await f.write("inner/sub/.mycel-tmp-0123456789ab", "the inner folder's transfer to resume");
  await f.write("inner/.mycel-tmp-hold-0123456789ab/x.txt", "the inner folder's hold");
  await f.write("mine/.mycel-tmp-ba9876543210", "this folder's stale temp");
  const swept = await removeStaleTemps(f.root, {
    now: Date.now() + HOUR + 60_000,
    apart: (dir) => dir === "inner",
  });
  assert.deepEqual(swept, ["mine/.mycel-tmp-ba9876543210"]);
  assert.equal(
    await Deno.readTextFile(f.abs("inner/sub/.mycel-tmp-0123456789ab")),
    "the inner folder's transfer to resume",
  );
  assert.equal(
    await Deno.readTextFile(f.abs("inner/.mycel-tmp-hold-0123456789ab/x.txt")),
    "the inner folder's hold",
  );
});

Deno.test("the hourly sweep removes a link or special file left at a temporary file's name, never what a link leads to", async () => {
  await using f = await testFolder();
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  try {
    await Deno.writeTextFile(`${outside}/secret.txt`, "not the folder's");
    await Deno.mkdir(`${outside}/dir`);
    await Deno.writeTextFile(`${outside}/dir/.mycel-tmp-0123456789ab`, "not the folder's either");
    await f.write("d/real.txt", "the folder's");
    await Deno.mkdir(f.abs("e"));
    // A kept transfer's file replaced by a link, a crash between a link's
    // making and its rename (restore_version.ts, write_symlink.ts), a pipe.
    await Deno.symlink(`${outside}/secret.txt`, f.abs("d/.mycel-tmp-0123456789ab-big.bin"));
    await Deno.symlink(`${outside}/dir`, f.abs(".mycel-tmp-ba9876543210-docs"));
    await Deno.symlink("real.txt", f.abs("d/.mycel-tmp-aaaaaaaaaaaa-real.txt"));
    await Deno.symlink("nowhere", f.abs("e/.mycel-tmp-bbbbbbbbbbbb-gone"));
    await Deno.symlink(`${outside}/secret.txt`, f.abs("e/.mycel-tmp-cccccccccccc-resumes"));
    const fifo = new Deno.Command("mkfifo", { args: [f.abs("e/.mycel-tmp-dddddddddddd-pipe")] });
    assert.equal((await fifo.output()).code, 0);
    const keep = new Set([".mycel-tmp-cccccccccccc-resumes"]);

    assert.deepEqual(await removeStaleTemps(f.root, { now: Date.now() + HOUR / 2, keep }), []);
    const swept = await removeStaleTemps(f.root, { now: Date.now() + HOUR + 60_000, keep });
    assert.deepEqual(swept, [
      ".mycel-tmp-ba9876543210-docs",
      "d/.mycel-tmp-0123456789ab-big.bin",
      "d/.mycel-tmp-aaaaaaaaaaaa-real.txt",
      "e/.mycel-tmp-bbbbbbbbbbbb-gone",
      "e/.mycel-tmp-dddddddddddd-pipe",
    ]);
    assert.deepEqual(await tempsIn(f.root), []);
    assert.deepEqual(await tempsIn(f.abs("d")), []);
    assert.deepEqual(await tempsIn(f.abs("e")), [".mycel-tmp-cccccccccccc-resumes"], "kept");
    // Only the links themselves: what they lead to, in the folder or out of it, stays.
    assert.equal(await Deno.readTextFile(f.abs("d/real.txt")), "the folder's");
    assert.equal(await Deno.readTextFile(`${outside}/secret.txt`), "not the folder's");
    assert.equal(
      await Deno.readTextFile(`${outside}/dir/.mycel-tmp-0123456789ab`),
      "not the folder's either",
      "a link to a folder is not entered",
    );
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
