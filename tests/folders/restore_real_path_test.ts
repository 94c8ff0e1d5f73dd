/**
 * @module restore_real_path_test
 * `folder restore` where the folder's real path can't be found: the folder
 * moved deep and was linked back from where it was shared, so every file
 * in it is still reached through the link, but its real path is longer
 * than the system resolves. The restore said "internal error: File name
 * too long" (the runtime's error from resolving the real path, which no
 * step named); now it names what it could not do, and changes nothing.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { put, tempFiles, text } from "./_helpers.ts";

/**
 * A folder under `base` whose real path is longer than 4096 bytes, made
 * through links (a system call takes no longer path), reached as `base/sN`.
 */
function deepFolder(base: string): string {
  Deno.mkdirSync(base);
  let via = base;
  for (let k = 0; k < 3; k++) {
    let p = via;
    for (let i = 0; i < 10; i++) {
      p += `/${"d".repeat(200)}${i}`;
      Deno.mkdirSync(p);
    }
    Deno.symlinkSync(p, `${base}/s${k}`);
    via = `${base}/s${k}`;
  }
  return via;
}

Deno.test("folder restore where the folder's real path can't be found names it and changes nothing", async () => {
  await using h = await tempHome("mycel-restore-real-");
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs");
  await put(docs, "a.txt", "now\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await put(docs, versionPathFor("a.txt", Date.UTC(2026, 10, 1)), "then\n");
  const status = async () => (await h.run(["--no-sync", "folder", "status", "--json"])).stdout;
  const before = await status();
  // Moved deep, and linked back where it was shared.
  const deep = `${deepFolder(h.path("deep"))}/docs`;
  await Deno.rename(docs, deep);
  await Deno.symlink(deep, docs);
  assert.throws(() => Deno.realPathSync(docs), "the real path is out of reach");
  const listed = await h.ok(["--no-sync", "folder", "versions", join(docs, "a.txt")]);
  assert.match(listed.stdout, /a~20261101-000000-000\.txt/);

  const r = await h.run(["--no-sync", "folder", "restore", join(docs, "a.txt")]);
  const shown = describe(["folder", "restore"], r);
  assert.equal(r.code, 1, shown);
  assert.ok(
    r.stderr.includes(
      `Cannot restore file: the folder's real path can't be found: File name too long (os error 36) (${docs})`,
    ),
    shown,
  );
  assert.match(r.stderr, /hint: Check that the folder is still there/, shown);
  assert.doesNotMatch(r.stderr, /internal error|Cannot continue/i, shown);
  assert.equal(await text(docs, "a.txt"), "now\n");
  assert.deepEqual(tempFiles(docs), []);
  assert.equal(await status(), before, "nothing published");
});
