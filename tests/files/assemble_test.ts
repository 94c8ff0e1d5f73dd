/**
 * @module assemble_test
 * Writing versions into a real folder: assembleFile builds files from
 * checked chunks and renames them into place (a SIGKILL at any moment
 * leaves the old or the new file, never a torn one), refuses wrong and
 * missing chunks by name, reports local changes instead of overwriting
 * them, never writes through symlinked parents, and keeps what it
 * replaces; removeEntry and writeSymlink keep the same promises.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { assembleFile } from "../../src/files/assemble.ts";
import type { ChunkSource } from "../../src/files/disk_state.ts";
import { MARKER_NAME } from "../../src/files/folder_layout.ts";
import { removeEntry } from "../../src/files/remove_entry.ts";
import { removeStaleTemps } from "../../src/files/stale_temps.ts";
import { listVersions } from "../../src/files/versions.ts";
import { writeSymlink } from "../../src/files/write_symlink.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { spawnProcess } from "../helpers/process.ts";
import { contentOf, expectedOf, pseudoRandomBytes, tempsIn, testFolder } from "./helpers.ts";

const T = Date.UTC(2026, 1, 3, 4, 5, 6);

Deno.test("assembleFile() writes the content, mtime and exec bit, and keeps the replaced file", async () => {
  await using f = await testFolder();
  const v1 = pseudoRandomBytes(60_000, 1);
  const c1 = await contentOf(v1);
  const r1 = await assembleFile(f.root, "docs/new.bin", c1.chunks, c1.source, {
    expected: null,
    mtimeMs: T,
    exec: true,
  });
  assert.equal(r1.status, "written");
  assert.deepEqual(await f.read("docs/new.bin"), v1);
  const info = await Deno.lstat(f.abs("docs/new.bin"));
  assert.equal(info.mtime!.getTime(), T);
  assert.equal(info.mode! & 0o777, 0o755);
  assert.ok(r1.status === "written" && r1.stat.size === v1.length && r1.keptAs === undefined);

  const v2 = pseudoRandomBytes(70_000, 2);
  const c2 = await contentOf(v2);
  const r2 = await assembleFile(f.root, "docs/new.bin", c2.chunks, c2.source, {
    expected: await expectedOf(f.abs("docs/new.bin")),
    mtimeMs: T + 1000,
    exec: false,
    now: () => T + 5000,
  });
  assert.equal(r2.status, "written");
  assert.deepEqual(await f.read("docs/new.bin"), v2);
  assert.equal((await Deno.lstat(f.abs("docs/new.bin"))).mode! & 0o777, 0o644);
  const kept = await listVersions(f.root, "docs/new.bin");
  assert.deepEqual(kept.map((k) => k.path), [".mycel/versions/docs/new~20260203-040511-000.bin"]);
  assert.ok(r2.status === "written" && r2.keptAs === kept[0].path);
  assert.deepEqual(await f.read(kept[0].path), v1);
  assert.deepEqual(await tempsIn(f.abs("docs")), []);
});

Deno.test("a wrong chunk is refused by name; the old file stays and no temp is left", async () => {
  await using f = await testFolder();
  await f.write("a.bin", "old content");
  const { chunks, source } = await contentOf(pseudoRandomBytes(50_000, 3));
  const bad = chunks[2].hash;
  const corrupt: ChunkSource = {
    get: async (h) => {
      const b = await source.get(h);
      return h === bad ? b!.map((x) => x ^ 1) : b;
    },
  };
  const expected = await expectedOf(f.abs("a.bin"));
  const e = await assertRejectsMycel(
    () =>
      assembleFile(f.root, "a.bin", chunks, corrupt, {
        expected,
        mtimeMs: T,
        exec: false,
      }),
    "chunk_corrupt",
  );
  assert.equal(e.value, bad);
  assert.equal(new TextDecoder().decode(await f.read("a.bin")), "old content");
  assert.deepEqual(await tempsIn(f.root), []);
  const missing = await assertRejectsMycel(
    () =>
      assembleFile(
        f.root,
        "b.bin",
        chunks,
        { get: (h) => (h === bad ? undefined : source.get(h)) },
        {
          expected: null,
          mtimeMs: T,
          exec: false,
        },
      ),
    "chunk_missing",
  );
  assert.equal(missing.value, bad);
  await assert.rejects(Deno.lstat(f.abs("b.bin")), Deno.errors.NotFound);
});

Deno.test("a file changed on disk since the index is reported changed_locally and left alone", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "v1");
  const expected = await expectedOf(f.abs("doc.txt"));
  await f.write("doc.txt", "local edit");
  const { chunks, source } = await contentOf(new TextEncoder().encode("remote"));
  const r = await assembleFile(f.root, "doc.txt", chunks, source, {
    expected,
    mtimeMs: T,
    exec: false,
  });
  assert.equal(r.status, "changed_locally");
  assert.ok(r.status === "changed_locally" && r.current?.kind === "file" && r.current.size === 10);
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), "local edit");
  const appeared = await assembleFile(f.root, "doc.txt", chunks, source, {
    expected: null,
    mtimeMs: T,
    exec: false,
  });
  assert.equal(appeared.status, "changed_locally", "a file where none was expected");
});

Deno.test("an edit made while the assembly runs wins: changed_locally, no temp left", async () => {
  await using f = await testFolder();
  await f.write("doc.txt", "v1");
  const expected = await expectedOf(f.abs("doc.txt"));
  const { chunks, source } = await contentOf(pseudoRandomBytes(40_000, 4));
  let edited = false;
  const racing: ChunkSource = {
    get: async (h) => {
      if (!edited) {
        edited = true;
        await Deno.writeTextFile(f.abs("doc.txt"), "edited meanwhile");
      }
      return source.get(h);
    },
  };
  const r = await assembleFile(f.root, "doc.txt", chunks, racing, {
    expected,
    mtimeMs: T,
    exec: false,
  });
  assert.equal(r.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("doc.txt")), "edited meanwhile");
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("writes never go through a symlinked or non-folder parent", async () => {
  await using f = await testFolder();
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  try {
    await Deno.symlink(outside, f.abs("linked"));
    await f.write("plain", "a file");
    const { chunks, source } = await contentOf(new TextEncoder().encode("payload"));
    const opts = { expected: null, mtimeMs: T, exec: false };
    await assertRejectsMycel(
      () => assembleFile(f.root, "linked/x", chunks, source, opts),
      "unsafe_path",
    );
    await assertRejectsMycel(
      () => assembleFile(f.root, "plain/x", chunks, source, opts),
      "unsafe_path",
    );
    await assertRejectsMycel(() => assembleFile(f.root, "../x", chunks, source, opts), "bad_path");
    await assertRejectsMycel(
      () => assembleFile(f.root, ".mycel/versions/x", chunks, source, opts),
      "bad_path",
    );
    assert.deepEqual(await Array.fromAsync(Deno.readDir(outside)), []);
    await Deno.remove(f.abs(MARKER_NAME));
    await assertRejectsMycel(
      () => assembleFile(f.root, "y", chunks, source, opts),
      "folder_stopped",
    );
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("SIGKILL at any moment of an assembly leaves the old file or the new one, never a torn one", async () => {
  await using f = await testFolder();
  const size = 4 << 20;
  const oldData = pseudoRandomBytes(size, 11);
  const newData = pseudoRandomBytes(size, 12);
  const child = new URL("./assemble_child.ts", import.meta.url).pathname;
  const deno = Deno.execPath();
  const run = () =>
    spawnProcess(deno, ["run", "-A", child, f.root, "big.bin", String(size), "12"], {
      timeoutMs: 120_000,
    });
  const reset = async () => {
    await f.write("big.bin", oldData);
    for (const t of await tempsIn(f.root)) await Deno.remove(f.abs(t));
  };
  // One full run to learn how long an assembly takes here.
  await reset();
  const full = run();
  const done = await full.waitFor(/done (\d+) written/, { timeoutMs: 120_000 });
  await full.result();
  assert.deepEqual(await f.read("big.bin"), newData);
  const ms = Number(done[1]);
  let killedMidway = 0;
  for (const fraction of [0.05, 0.25, 0.5, 0.75, 0.95]) {
    await reset();
    const p = run();
    await p.waitFor(/started/);
    await new Promise((r) => setTimeout(r, ms * fraction));
    const r = await p.stop("SIGKILL");
    if (r.signal === "SIGKILL" && !r.stdout.includes("done")) killedMidway++;
    const now = await f.read("big.bin");
    const isOld = now.length === size && now.every((b, i) => b === oldData[i]);
    const isNew = now.length === size && now.every((b, i) => b === newData[i]);
    assert.ok(isOld || isNew, `torn file after a kill at ${fraction} of ${ms} ms`);
  }
  assert.ok(killedMidway >= 3, `only ${killedMidway} kills landed during an assembly`);
  const leftovers = await tempsIn(f.root);
  assert.deepEqual(
    await removeStaleTemps(f.root, { olderThanMs: 0, now: Date.now() + 1000 }),
    leftovers.sort(),
  );
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("removeEntry() moves the file into versions, unless it changed locally", async () => {
  await using f = await testFolder();
  await f.write("d/gone.txt", "bye");
  const expected = await expectedOf(f.abs("d/gone.txt"));
  await f.write("d/edited.txt", "v1");
  const stale = await expectedOf(f.abs("d/edited.txt"));
  await f.write("d/edited.txt", "v2 local");
  const r = await removeEntry(f.root, "d/gone.txt", { expected, now: () => T });
  assert.deepEqual(r, {
    status: "removed",
    keptAs: ".mycel/versions/d/gone~20260203-040506-000.txt",
  });
  await assert.rejects(Deno.lstat(f.abs("d/gone.txt")), Deno.errors.NotFound);
  assert.equal(await Deno.readTextFile(f.abs(r.status === "removed" ? r.keptAs! : "")), "bye");
  const kept = await removeEntry(f.root, "d/edited.txt", { expected: stale });
  assert.equal(kept.status, "changed_locally");
  assert.equal(await Deno.readTextFile(f.abs("d/edited.txt")), "v2 local");
  assert.deepEqual(await removeEntry(f.root, "nothing/here", { expected }), {
    status: "already_gone",
  });
});

Deno.test("removeEntry() of a file whose name became a folder here: already gone, the folder and its files stay", async () => {
  await using f = await testFolder();
  await f.write("p", "the file");
  const expected = await expectedOf(f.abs("p"));
  await Deno.remove(f.abs("p"));
  await f.write("p/x", "inside");
  assert.deepEqual(await removeEntry(f.root, "p", { expected }), { status: "already_gone" });
  assert.equal(await Deno.readTextFile(f.abs("p/x")), "inside");
  assert.deepEqual(await tempsIn(f.root), []);
});

Deno.test("writeSymlink() puts a link in place atomically and keeps what it replaced", async () => {
  await using f = await testFolder();
  await f.write("l", "was a file");
  const r = await writeSymlink(f.root, "l", "../target", {
    expected: await expectedOf(f.abs("l")),
    now: () => T,
  });
  assert.equal(r.status, "written");
  assert.equal(await Deno.readLink(f.abs("l")), "../target");
  assert.deepEqual((await listVersions(f.root, "l")).map((v) => v.path), [
    ".mycel/versions/l~20260203-040506-000",
  ]);
  await assertRejectsMycel(
    () => writeSymlink(f.root, "m", "bad\ntarget", { expected: null }),
    "bad_symlink",
  );
  const again = await writeSymlink(f.root, "l", "other", { expected: null });
  assert.equal(again.status, "changed_locally");
  assert.deepEqual(await tempsIn(f.root), []);
  const lst = await Deno.lstat(join(f.root, "l"));
  assert.ok(lst.isSymlink);
});

Deno.test("assembleFile() never chmods through a link put at its temporary file's name while the chunks come", async () => {
  // Root assembling in a user's folder (system units): the user swaps a link
  // to a file of root's in for the temporary file while it is written.
  await using f = await testFolder();
  const outside = await Deno.makeTempDir({ prefix: "mycel-outside-" });
  try {
    const victim = join(outside, "shadow");
    await Deno.writeTextFile(victim, "root:secret\n", { mode: 0o600 });
    await Deno.chmod(victim, 0o600);
    const { chunks, source } = await contentOf(pseudoRandomBytes(60_000, 7));
    let swapped = false;
    const swapping: ChunkSource = {
      get: async (h) => {
        if (!swapped) {
          swapped = true;
          const [temp] = await tempsIn(f.root);
          await Deno.rename(join(f.root, temp), join(outside, "moved-aside"));
          await Deno.symlink(victim, join(f.root, temp));
        }
        return source.get(h);
      },
    };
    await assertRejectsMycel(
      () =>
        assembleFile(f.root, "new.bin", chunks, swapping, {
          expected: null,
          mtimeMs: T,
          exec: true,
        }),
      "unsafe_path",
    );
    assert.ok(swapped);
    assert.equal(
      (await Deno.lstat(victim)).mode! & 0o7777,
      0o600,
      "the link's target keeps its mode",
    );
    assert.equal(await Deno.readTextFile(victim), "root:secret\n");
    assert.equal(await Deno.lstat(f.abs("new.bin")).then(() => true, () => false), false);
    assert.deepEqual(await tempsIn(f.root), []);
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});
