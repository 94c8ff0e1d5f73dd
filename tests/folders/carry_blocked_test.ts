/**
 * An edit carried to where its file moved (src/sync/folder_apply_carry.ts)
 * when this device can't write the new path: the edit made here, the new
 * name held here by a folder of this device's own (not empty: a file it
 * ignores), so neither the rename nor the write can put it there.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { devices, keptFiles, put, sharedFolder, syncNow, syncOk, text } from "./_helpers.ts";

Deno.test("an edit carried to a name this device can't write stays at its old name here, and reaches the new name elsewhere", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: async (ra) => {
      await put(ra, "notes.txt", "first\n");
      for (const n of ["w", "x", "y", "z"]) await put(ra, `${n}.txt`, `${n}\n`);
    },
  });
  await syncOk(b);
  // b: a folder of its own named archive, holding only a file it ignores.
  await put(rb, ".mycel/ignore", "*.tmp\n");
  await put(rb, "archive/scratch.tmp", "b's own\n");
  // Apart: b edits the file, a moves it to archive (a file there).
  await Deno.writeTextFile(join(rb, "notes.txt"), "first, edited on b\n");
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive"));
  await syncOk(a);
  const r = await syncNow(b); // b carries its edit to where a moved the file
  assert.match(r.stdout + r.stderr, /carried to archive/, describe(["sync", "now"], r));
  for (let i = 0; i < 2; i++) {
    await syncNow(a);
    await syncNow(b);
  }
  const there = await text(ra, "archive");
  const here = await text(rb, "notes.txt");
  const kept = (await keptFiles(rb)).map((k) => new TextDecoder().decode(k.bytes));
  assert.ok(
    there === "first, edited on b\n" || here === "first, edited on b\n",
    `the edit is on neither disk (archive on a: ${JSON.stringify(there)}, notes.txt on b: ${
      JSON.stringify(here)
    }); b keeps ${JSON.stringify(kept)} under .mycel/versions`,
  );
  assert.equal(there, "first, edited on b\n", "the edit reaches the new name");
  assert.equal(here, "first, edited on b\n", "kept here at its old name");
  assert.equal(await text(rb, "archive/scratch.tmp"), "b's own\n");
});
