/**
 * @module move_between_folders_copies_test
 * What another folder synced here already held is no move out of a folder
 * emptied by mistake (src/sync/folder_scan_moves.ts): a copy it had before,
 * re-read only because its stat changed (chmod, touch) in the same window,
 * leaves the deletions held, as a loss. A file moved into the other folder,
 * published there by an earlier scan and re-read since, is still a move.
 * One device, real processes, no terminal.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, type TempHome, tempHome } from "../helpers/mycel.ts";
import { put } from "./_helpers.ts";

/** A home with folders docs (a, b, c) and more (`seed`), both added and scanned. */
async function twoFolders(
  h: TempHome,
  seed: (docs: string, more: string) => Promise<void>,
): Promise<{ docs: string; more: string }> {
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs"), more = h.path("more");
  await Deno.mkdir(docs);
  await Deno.mkdir(more);
  for (const n of ["a", "b", "c"]) await put(docs, `${n}.txt`, `content of ${n}\n`);
  await seed(docs, more);
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await h.ok(["--no-sync", "folder", "add", more, "--id", "more"]);
  await h.ok(["--no-sync", "folder", "scan"]);
  return { docs, more };
}

/** `folder scan [id]`: its output, and the deletions held in docs after it. */
async function scan(h: TempHome, ...id: string[]): Promise<{ out: string; held: number }> {
  const args = ["--no-sync", "folder", "scan", ...id];
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  const [s] = await h.json<{ held_deletes: number }[]>(
    ["--no-sync", "folder", "status", "docs", "--json"],
  );
  return { out: r.stdout + r.stderr, held: s.held_deletes };
}

Deno.test("old copies in another folder, re-read for a chmod in the same window, don't let an emptied folder's deletions out", async () => {
  await using h = await tempHome("mycel-copies-");
  const { docs, more } = await twoFolders(h, async (docs, more) => {
    for (const n of ["a", "b", "c"]) {
      await Deno.copyFile(join(docs, `${n}.txt`), join(more, `${n}.txt`));
    }
  });
  for (const n of ["a", "b", "c"]) {
    await Deno.remove(join(docs, `${n}.txt`));
    await Deno.chmod(join(more, `${n}.txt`), 0o600);
  }
  const r = await scan(h);
  assert.match(r.out, /docs: 3 of 3 files are gone on disk: the deletions are held/, r.out);
  assert.equal(r.held, 3);
  // Touched (a new mtime, the same bytes): still the copies more had.
  const later = new Date(Date.now() + 5_000);
  for (const n of ["a", "b", "c"]) await Deno.utime(join(more, `${n}.txt`), later, later);
  assert.equal((await scan(h)).held, 3);
});

Deno.test("a file moved into another folder, published there and re-read since, is still a move", async () => {
  await using h = await tempHome("mycel-moved-");
  const { docs, more } = await twoFolders(h, () => Promise.resolve());
  for (const n of ["a", "b", "c"]) {
    await Deno.rename(join(docs, `${n}.txt`), join(more, `${n}.txt`));
  }
  const first = await scan(h, "more");
  assert.doesNotMatch(first.out, /held/, first.out);
  for (const n of ["a", "b", "c"]) await Deno.chmod(join(more, `${n}.txt`), 0o600);
  const all = await scan(h);
  assert.doesNotMatch(all.out, /held/, all.out);
  assert.equal(all.held, 0);
});

/** Mount a fresh tmpfs at `path` (root only); undefined when it can't be. */
async function tmpfs(path: string): Promise<AsyncDisposable | undefined> {
  await Deno.mkdir(path, { recursive: true });
  const mount = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "mycel-test", path],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => undefined);
  if (!mount?.success) return undefined;
  return {
    async [Symbol.asyncDispose]() {
      await new Deno.Command("umount", { args: [path], stdout: "null", stderr: "null" }).output();
    },
  };
}

Deno.test("copies on another file system with the same inode numbers (a cloned disk) don't let an emptied folder's deletions out", async () => {
  await using h = await tempHome("mycel-clone-");
  // Two fresh file systems, the same files made in the same order: the same
  // inode numbers on both, as on a disk and its clone.
  await using m1 = await tmpfs(h.path("disk"));
  await using m2 = await tmpfs(h.path("clone"));
  if (m1 === undefined || m2 === undefined) {
    console.log("skipped: mounting tmpfs needs root");
    return;
  }
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("disk"), clone = h.path("clone");
  for (const root of [docs, clone]) {
    for (const n of ["a", "b", "c"]) await put(root, `${n}.txt`, `content of ${n}\n`);
  }
  assert.equal(
    (await Deno.lstat(join(docs, "a.txt"))).ino,
    (await Deno.lstat(join(clone, "a.txt"))).ino,
  );
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await h.ok(["--no-sync", "folder", "add", clone, "--id", "more"]);
  for (const n of ["a", "b", "c"]) await Deno.remove(join(docs, `${n}.txt`));
  const r = await scan(h);
  assert.match(
    r.out,
    /disk \(docs\): 3 of 3 files are gone on disk: the deletions are held/,
    r.out,
  );
  assert.equal(r.held, 3);
});
