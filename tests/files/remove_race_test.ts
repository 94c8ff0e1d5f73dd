/**
 * @module remove_race_test
 * A local save racing a peer's deletion: whatever the user saved under the
 * name after the last check — an editor's atomic save or an in-place
 * rewrite — stays at its name with its bytes, and the result is
 * `changed_locally` (a delete racing an edit keeps the edit), whether the
 * deletion would have kept the old file in versions or removed it. The
 * `beforeRemove` test seam runs the save in that gap. A kill while the file
 * is held aside leaves it to the stale-temp sweep, which keeps it in
 * versions (the deletion finished, nothing lost, nothing resurrected).
 */

import assert from "node:assert/strict";
import { removeEntry } from "../../src/files/remove_entry.ts";
import { removeStaleTemps } from "../../src/files/stale_temps.ts";
import { listVersions } from "../../src/files/versions.ts";
import { spawnProcess } from "../helpers/process.ts";
import { atomicSave, expectedOf, tempsIn, testFolder } from "./helpers.ts";

/** A deletion of doc.txt ("v1") racing `save` right after its last check; the saved text stays. */
async function raceDeletion(
  keepRemoved: boolean,
  save: (abs: string) => Promise<void>,
  saved: string,
): Promise<void> {
  await using f = await testFolder();
  await f.write("doc.txt", "v1");
  const r = await removeEntry(f.root, "doc.txt", {
    expected: await expectedOf(f.abs("doc.txt")),
    keepRemoved,
    beforeRemove: async (step) => {
      if (step === "checked") await save(f.abs("doc.txt"));
    },
  });
  assert.equal(r.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), saved);
  assert.deepEqual(await tempsIn(f.root), []);
}

for (const keepRemoved of [true, false]) {
  Deno.test(`an atomic save right after the last check survives a deletion (keepRemoved ${keepRemoved}): changed_locally`, async () => {
    const text = "saved by the editor";
    await raceDeletion(keepRemoved, (abs) => atomicSave(abs, text), text);
  });
}

Deno.test("an in-place rewrite right after the last check survives a deletion: changed_locally", async () => {
  const text = "edited in place, longer";
  await raceDeletion(false, (abs) => Deno.writeTextFile(abs, text), text);
});

Deno.test("a deletion nobody raced moves the file to versions and leaves no hold folder", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "v1");
  const r = await removeEntry(f.root, "doc.txt", { expected: await expectedOf(f.abs("doc.txt")) });
  assert.equal(r.status, "removed");
  await assert.rejects(Deno.lstat(f.abs("doc.txt")), Deno.errors.NotFound);
  assert.equal((await listVersions(f.root, "doc.txt")).length, 1);
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("a kill while a deleted file is held aside loses nothing: the sweep keeps it in versions, never at its name", async () => {
  await using f = await testFolder();
  await f.write("d/doc.txt", "deleted elsewhere");
  const child = new URL("./remove_child.ts", import.meta.url).pathname;
  const p = spawnProcess(Deno.execPath(), ["run", "-A", child, f.root, "d/doc.txt"], {
    timeoutMs: 60_000,
  });
  await p.waitFor(/held/, { timeoutMs: 60_000 });
  await p.stop("SIGKILL");
  await assert.rejects(Deno.lstat(f.abs("d/doc.txt")), Deno.errors.NotFound);
  const left = await tempsIn(f.abs("d"));
  assert.equal(left.filter((n) => n.startsWith(".mycel-tmp-drop-")).length, 1);
  // A young one is left alone (it may be a live deletion elsewhere)...
  assert.deepEqual(await removeStaleTemps(f.root), []);
  // ...a stale one is finished: the file is kept, not put back to be synced again.
  const swept = await removeStaleTemps(f.root, { olderThanMs: 0, now: Date.now() + 1000 });
  assert.deepEqual(swept, left.map((n) => `d/${n}`));
  await assert.rejects(Deno.lstat(f.abs("d/doc.txt")), Deno.errors.NotFound);
  const kept = await listVersions(f.root, "d/doc.txt");
  assert.equal(kept.length, 1);
  assert.equal(await Deno.readTextFile(f.abs(kept[0].path)), "deleted elsewhere");
  assert.deepEqual(await tempsIn(f.abs("d")), []);
});
