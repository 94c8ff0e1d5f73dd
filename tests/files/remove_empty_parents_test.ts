/**
 * removeEmptyParents: the folders a round's removals left empty go, deepest
 * first; a folder still holding anything stays, as do the root, mycel's own
 * folders, and a link where a folder was.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { removeEmptyParents } from "../../src/files/remove_entry.ts";

Deno.test("removeEmptyParents removes only the folders the removals left empty", async () => {
  const root = await Deno.makeTempDir();
  try {
    const mk = (p: string) => Deno.mkdir(join(root, p), { recursive: true });
    await mk("photos/2024/jan");
    await mk("docs/keep");
    await Deno.writeTextFile(join(root, "docs/keep/mine.txt"), "stays");
    await mk(".mycel/versions/x");
    await mk("elsewhere");
    await Deno.symlink(join(root, "elsewhere"), join(root, "ln"));
    const gone = removeEmptyParents(root, [
      "photos/2024/jan/a.jpg",
      "photos/b.jpg",
      "docs/keep/gone.txt",
      ".mycel/versions/x/y",
      "ln/z",
      "top.txt",
    ]);
    assert.deepEqual(gone, ["photos/2024/jan", "photos/2024", "photos"]);
    const left = [...Deno.readDirSync(root)].map((e) => e.name).sort();
    assert.deepEqual(left, [".mycel", "docs", "elsewhere", "ln"]);
    assert.ok(Deno.lstatSync(join(root, "ln")).isSymlink, "the link stays");
    assert.ok(Deno.lstatSync(join(root, ".mycel/versions/x")).isDirectory);
    assert.equal(Deno.readTextFileSync(join(root, "docs/keep/mine.txt")), "stays");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
