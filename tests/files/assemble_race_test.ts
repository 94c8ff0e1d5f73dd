/**
 * @module assemble_race_test
 * A local save racing the very end of an assembly: whatever the user saved
 * under the target's name after the last check — an editor's atomic save
 * (new file renamed over the name) or a file made from scratch — survives
 * with its bytes, and the result is `changed_locally` so the caller makes a
 * conflict. The `beforeReplace` test seam runs the save in that gap. A
 * kill inside the swap leaves the old file held aside; the stale-temp
 * sweep puts it back (or into versions), never deletes it.
 */

import assert from "node:assert/strict";
import { assembleFile } from "../../src/files/assemble.ts";
import { PartialFile } from "../../src/files/partial_file.ts";
import { removeStaleTemps, settleStaleHolds } from "../../src/files/stale_temps.ts";
import { listVersions } from "../../src/files/versions.ts";
import { spawnProcess } from "../helpers/process.ts";
import {
  atomicSave,
  contentOf,
  expectedOf,
  pseudoRandomBytes,
  tempsIn,
  testFolder,
} from "./helpers.ts";

const T = Date.UTC(2026, 1, 3, 4, 5, 6);

Deno.test("an atomic save right after the last check survives the assembly: changed_locally", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "v1");
  const { chunks, source } = await contentOf(pseudoRandomBytes(40_000, 21));
  const r = await assembleFile(f.root, "doc.txt", chunks, source, {
    expected: await expectedOf(f.abs("doc.txt")),
    mtimeMs: T,
    exec: false,
    beforeReplace: async (step) => {
      if (step === "checked") await atomicSave(f.abs("doc.txt"), "saved by the editor");
    },
  });
  assert.equal(r.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), "saved by the editor");
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("a file made where a new one was about to land survives: changed_locally", async () => {
  await using f = await testFolder();
  const { chunks, source } = await contentOf(pseudoRandomBytes(40_000, 22));
  const r = await assembleFile(f.root, "new.txt", chunks, source, {
    expected: null,
    mtimeMs: T,
    exec: false,
    beforeReplace: async (step) => {
      if (step === "checked") await atomicSave(f.abs("new.txt"), "made here first");
    },
  });
  assert.equal(r.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("new.txt")), "made here first");
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("a file saved while the old one is held aside survives; the old one goes to versions", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "v1");
  const { chunks, source } = await contentOf(pseudoRandomBytes(40_000, 23));
  let held = false;
  const r = await assembleFile(f.root, "doc.txt", chunks, source, {
    expected: await expectedOf(f.abs("doc.txt")),
    mtimeMs: T,
    exec: false,
    beforeReplace: async (step) => {
      if (step !== "held") return;
      held = true;
      await atomicSave(f.abs("doc.txt"), "saved while held");
    },
  });
  assert.ok(held, "the held step ran");
  assert.equal(r.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), "saved while held");
  const kept = await listVersions(f.root, "doc.txt");
  assert.equal(kept.length, 1);
  assert.equal(await Deno.readTextFile(f.abs(kept[0].path)), "v1");
  assert.equal(r.status === "changed_locally" && r.keptAs, kept[0].path);
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("a fetched file's finish keeps an atomic save made right after its last check", async () => {
  await using f = await testFolder();
  await f.write("d/doc.txt", "v1");
  const expected = await expectedOf(f.abs("d/doc.txt"));
  const { file } = await PartialFile.open(f.root, "d/doc.txt", 3);
  await file.writeAt(0, new TextEncoder().encode("new"));
  const r = await file.finish({
    expected,
    mtimeMs: T,
    exec: false,
    beforeReplace: async (step) => {
      if (step === "checked") await atomicSave(f.abs("d/doc.txt"), "saved by the editor");
    },
  });
  assert.equal(r.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("d/doc.txt")), "saved by the editor");
  assert.deepEqual(await tempsIn(f.abs("d")), []);
});

Deno.test("a kill while the old file is held aside loses nothing: the sweep puts it back", async () => {
  await using f = await testFolder();
  const oldData = pseudoRandomBytes(300_000, 31);
  await f.write("d/big.bin", oldData);
  const child = new URL("./assemble_child.ts", import.meta.url).pathname;
  const p = spawnProcess(Deno.execPath(), [
    "run",
    "-A",
    child,
    f.root,
    "d/big.bin",
    "300000",
    "32",
    "held",
  ], { timeoutMs: 60_000 });
  await p.waitFor(/held/, { timeoutMs: 60_000 });
  await p.stop("SIGKILL");
  // The window this leaves: the name is empty, the old file is in the hold folder.
  await assert.rejects(Deno.lstat(f.abs("d/big.bin")), Deno.errors.NotFound);
  const left = await tempsIn(f.abs("d"));
  assert.equal(left.filter((n) => n.startsWith(".mycel-tmp-hold-")).length, 1);
  // A young hold is left alone (it may be a live write elsewhere)...
  assert.deepEqual(await removeStaleTemps(f.root), []);
  // ...a stale one goes back to its name; the new file's temporary file goes.
  const swept = await removeStaleTemps(f.root, { olderThanMs: 0, now: Date.now() + 1000 });
  assert.deepEqual(swept, left.map((n) => `d/${n}`).sort());
  assert.deepEqual(await f.read("d/big.bin"), oldData);
  assert.deepEqual(await tempsIn(f.abs("d")), []);
});

Deno.test("a stale hold whose name was taken meanwhile goes to versions, not away", async () => {
  await using f = await testFolder();
  const hold = f.abs(".mycel-tmp-hold-0123456789ab");
  await f.write(".mycel-tmp-hold-0123456789ab/doc.txt", "old, held at a crash");
  await f.write("doc.txt", "saved since");
  const swept = await removeStaleTemps(f.root, { olderThanMs: 0, now: Date.now() + 1000 });
  assert.deepEqual(swept, [".mycel-tmp-hold-0123456789ab"]);
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), "saved since");
  const kept = await listVersions(f.root, "doc.txt");
  assert.equal(kept.length, 1);
  assert.equal(await Deno.readTextFile(f.abs(kept[0].path)), "old, held at a crash");
  await assert.rejects(Deno.lstat(hold), Deno.errors.NotFound);
});

Deno.test("the sweep keeps the temporary files of transfers that will resume", async () => {
  await using f = await testFolder();
  await f.write(".mycel-tmp-aaaaaaaaaaaa-a.bin", "resumes");
  await f.write(".mycel-tmp-bbbbbbbbbbbb-b.bin", "abandoned");
  const swept = await removeStaleTemps(f.root, {
    olderThanMs: 0,
    now: Date.now() + 1000,
    keep: new Set([".mycel-tmp-aaaaaaaaaaaa-a.bin"]),
  });
  assert.deepEqual(swept, [".mycel-tmp-bbbbbbbbbbbb-b.bin"]);
  assert.deepEqual(await tempsIn(f.root), [".mycel-tmp-aaaaaaaaaaaa-a.bin"]);
});

Deno.test("settleStaleHolds settles only the holds it is given that are old enough", async () => {
  await using f = await testFolder();
  await f.write(".mycel-tmp-hold-0123456789ab/doc.txt", "held at a crash");
  await f.write("sub/.mycel-tmp-drop-0123456789ab/gone.txt", "a deletion cut short");
  await f.write(".mycel-tmp-hold-ba9876543210/young.txt", "held just now");
  const holds = [".mycel-tmp-hold-0123456789ab", "sub/.mycel-tmp-drop-0123456789ab"];
  // Four minutes on: nothing is old enough.
  assert.deepEqual(await settleStaleHolds(f.root, holds, { now: Date.now() + 4 * 60_000 }), []);
  const settled = await settleStaleHolds(f.root, [...holds, "not-a-hold"], {
    now: Date.now() + 6 * 60_000,
  });
  assert.deepEqual(settled, holds);
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), "held at a crash");
  assert.equal(
    (await listVersions(f.root, "sub/gone.txt")).length,
    1,
    "a drop is kept, not put back",
  );
  await assert.rejects(Deno.lstat(f.abs("sub/gone.txt")), Deno.errors.NotFound);
  // A hold it was not given stays (the scan did not report it).
  assert.equal(
    await Deno.readTextFile(f.abs(".mycel-tmp-hold-ba9876543210/young.txt")),
    "held just now",
  );
});

Deno.test("settleStaleHolds keeps a held file whose path the folder deleted under versions, and puts the others back", async () => {
  await using f = await testFolder();
  await f.write("d/.mycel-tmp-hold-0123456789ab/gone.txt", "deleted elsewhere meanwhile");
  await f.write("d/.mycel-tmp-hold-ba9876543210/live.txt", "still in the folder");
  const holds = ["d/.mycel-tmp-hold-0123456789ab", "d/.mycel-tmp-hold-ba9876543210"];
  const settled = await settleStaleHolds(f.root, holds, {
    now: Date.now() + 6 * 60_000,
    deleted: (path) => path === "d/gone.txt",
  });
  assert.deepEqual(settled, holds);
  await assert.rejects(Deno.lstat(f.abs("d/gone.txt")), Deno.errors.NotFound);
  const kept = await listVersions(f.root, "d/gone.txt");
  assert.equal(kept.length, 1, "kept, not put back");
  assert.equal(await Deno.readTextFile(f.abs("d/live.txt")), "still in the folder");
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("settleStaleHolds puts back a folder a hold caught, even where the folder's path is deleted", async () => {
  await using f = await testFolder();
  // A user's folder swapped in at the name the instant the hold took it.
  await f.write("d/.mycel-tmp-hold-0123456789ab/work/notes.txt", "the user's");
  const settled = await settleStaleHolds(f.root, ["d/.mycel-tmp-hold-0123456789ab"], {
    now: Date.now() + 6 * 60_000,
    deleted: () => true,
  });
  assert.deepEqual(settled, ["d/.mycel-tmp-hold-0123456789ab"]);
  assert.equal(
    await Deno.readTextFile(f.abs("d/work/notes.txt")),
    "the user's",
    "back in the tree",
  );
  assert.deepEqual(await tempsIn(f.root), []);
});
