/**
 * @module restore_same_test
 * `folder restore` of a kept version that is the file's content already
 * (the same restore run twice, say) does nothing and says so, exit 0.
 * Before, it kept one more identical copy under `.mycel/versions`, gave the
 * file a new mtime and published it as a change (a walkthrough, issue 13).
 * Real processes, one device.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { tempHome } from "../helpers/mycel.ts";
import { soloFolder } from "./_helpers.ts";

async function keptCopies(docs: string): Promise<string[]> {
  const names = await Array.fromAsync(Deno.readDir(join(docs, ".mycel", "versions")));
  return names.map((e) => e.name).sort();
}

Deno.test("folder restore of a version that is already the file's content changes nothing, publishes nothing, exit 0", async () => {
  await using h = await tempHome();
  const docs = await soloFolder(h);
  const at = "2026-11-01T00:00:00.000Z";
  const kept = join(docs, versionPathFor("a.txt", Date.parse(at)));
  await Deno.mkdir(join(kept, ".."), { recursive: true });
  await Deno.writeTextFile(kept, "old\n");
  const file = join(docs, "a.txt");

  // The first restore puts it back (the file it replaced is kept in turn).
  await h.ok(["--no-sync", "folder", "restore", file, "--version", at]);
  assert.equal(await Deno.readTextFile(file), "old\n");
  const copies = await keptCopies(docs);
  assert.equal(copies.length, 2);
  const mtime = (await Deno.stat(file)).mtime?.getTime();
  const last = (await h.ok(["--no-sync", "log", "--limit", "1", "--json"])).stdout;

  // The same again: nothing to put back.
  const again = await h.run(["--no-sync", "folder", "restore", file, "--version", at]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(
    again.stdout,
    /^a\.txt already holds version 2 \(kept .*\): it is already the file's content; nothing restored, nothing published\.\n$/,
  );
  const json = await h.json(["--no-sync", "folder", "restore", file, "--version", at, "--json"]);
  assert.deepEqual(json, {
    path: "a.txt",
    version: 2,
    kept: at,
    restored: false,
    published: false,
    replaced_kept_as: null,
    published_over: [],
  });
  assert.deepEqual(await keptCopies(docs), copies, "no identical copy kept");
  assert.equal((await Deno.stat(file)).mtime?.getTime(), mtime, "the file untouched");
  assert.equal(
    (await h.ok(["--no-sync", "log", "--limit", "1", "--json"])).stdout,
    last,
    "no change published",
  );

  // The same bytes with another exec bit is a change: restored as before.
  await Deno.chmod(file, 0o755);
  const exec = await h.json<{ restored: boolean }>(
    ["--no-sync", "folder", "restore", file, "--version", at, "--json"],
  );
  assert.equal(exec.restored, true);
  assert.equal(((await Deno.stat(file)).mode ?? 0) & 0o111, 0);
  assert.equal((await keptCopies(docs)).length, 3);
});
