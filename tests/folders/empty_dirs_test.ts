/**
 * Empty folders sync (issue 13; docs/folders.md "Empty folders"): a folder
 * with nothing synced in it is an item of its own, published as a deletion
 * naming the folder mark (log/file_version.ts `DIRECTORY_MARK`), made on the
 * other devices inside the folder only, removed there only when empty.
 * Before, `mkdir -p Projects/new/notes` showed nothing on the other device
 * until a file landed in it, and removing an empty folder was not carried.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeFileVersion } from "../../src/log/file_version_codec.ts";
import { isDirectoryVersion } from "../../src/log/file_version.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { devices, folderOf, put, sharedFolder, syncOk, text } from "./_helpers.ts";
import { rogueDials } from "../sync/_rogue.ts";
import { isDir, seed } from "./_empty_dirs.ts";

Deno.test("an empty folder made on one device is made on the other, nested ones too, and not published back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await syncOk(b);
  await Deno.mkdir(join(ra, "Projects/new/notes"), { recursive: true });
  await Deno.mkdir(join(ra, "lone"));
  await syncOk(a);
  await syncOk(b);
  assert.ok(await isDir(join(rb, "Projects/new/notes")), "the nested empty folder is on b");
  assert.ok(await isDir(join(rb, "lone")), "the empty folder is on b");
  const scan = await b.tmp.json<{ published: number }[]>(["--no-sync", "folder", "scan", "--json"]);
  assert.equal(scan[0].published, 0, "b published the folders it received as its own");
  // A folder held is nothing still to come.
  for (const d of [a, b]) {
    const [status] = JSON.parse((await d.ok(["--no-sync", "folder", "status", "--json"])).stdout);
    const self = status.devices.find((x: { self: boolean }) => x.self);
    assert.equal(self.behind_files, 0, `${d.name} says it is behind`);
  }
  // What travelled is the folder mark's form, one version for the leaf only.
  using home = await Home.open(b.home);
  const dirs = [...home.view.folders().paths("docs")]
    .filter(([, list]) => list.some((v) => isDirectoryVersion(decodeFileVersion(v.bytes))))
    .map(([p]) => p);
  assert.deepEqual(dirs.sort(), ["Projects/new/notes", "lone"]);
});

Deno.test("an empty folder removed on one device is removed on the other", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await syncOk(b);
  await Deno.mkdir(join(ra, "Projects/new/notes"), { recursive: true });
  await Deno.mkdir(join(ra, "lone"));
  await syncOk(a);
  await syncOk(b);
  assert.ok(await isDir(join(rb, "lone")));
  await Deno.remove(join(ra, "lone"));
  await Deno.remove(join(ra, "Projects"), { recursive: true });
  await syncOk(a);
  await syncOk(b);
  assert.equal(await isDir(join(rb, "lone")), false, "lone is still on b");
  assert.equal(await isDir(join(rb, "Projects")), false, "Projects is still on b");
  assert.equal(await text(rb, "f.txt"), "f\n");
});

Deno.test("a folder removed on one device while the other put a file in it is kept, and the file comes back", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await syncOk(b);
  await Deno.mkdir(join(ra, "box"));
  await syncOk(a);
  await syncOk(b);
  assert.ok(await isDir(join(rb, "box")));
  await Deno.remove(join(ra, "box"));
  await put(rb, "box/new.txt", "made on b\n");
  await syncOk(a); // publishes the removal
  const r = await syncOk(b); // publishes new.txt, then meets the removal
  // Nothing to say: the folder is kept by a file it syncs.
  assert.doesNotMatch(r.stdout + r.stderr, /not written|kept here/, r.stdout + r.stderr);
  await syncOk(a);
  assert.equal(await text(rb, "box/new.txt"), "made on b\n", "b lost the file");
  assert.equal(await text(ra, "box/new.txt"), "made on b\n", "a did not get the file back");
});

Deno.test("a folder holding files ignored on the other device is not removed there", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await put(rb, ".mycel/ignore", "*.log\n");
  await syncOk(b);
  await Deno.mkdir(join(ra, "build"));
  await syncOk(a);
  await syncOk(b);
  await put(rb, "build/out.log", "local only\n");
  await syncOk(b);
  await Deno.remove(join(ra, "build"));
  await syncOk(a);
  const r = await syncOk(b);
  assert.equal(await text(rb, "build/out.log"), "local only\n", "the ignored file went");
  assert.match(r.stdout + r.stderr, /build.*kept here/, "b does not say it kept the folder");
  // Said once: the next rounds neither bring it back on a nor say it again.
  await syncOk(b);
  await syncOk(a);
  assert.equal(await isDir(join(ra, "build")), false, "the kept folder came back on a");
});

Deno.test("a folder version whose path runs through a link here is never made through it", async () => {
  await using devs = await devices(["a", "rogue"]);
  const [a, rogue] = devs.list;
  await devs.peer(a, rogue);
  const ra = folderOf(a);
  const outside = a.tmp.path("outside");
  await Deno.mkdir(ra);
  await Deno.mkdir(outside);
  await Deno.symlink(outside, join(ra, "ln"));
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await a.serve();
  await syncOk(rogue);
  const report = await rogueDials(rogue, a, "file_version", ["--path", "ln/evil", "--dir"]);
  assert.deepEqual(report.stored, { accepted: 1, refused: 0 });
  const r = await a.run(["sync", "now", "--timeout", "10"]);
  assert.doesNotMatch(r.stderr, /internal error/, r.stdout + r.stderr);
  // Said, as a file's write through a link is.
  const said = r.stdout + r.stderr;
  assert.match(said, /not written here: ln\/evil: a parent folder is a symlink/, said);
  assert.deepEqual([...Deno.readDirSync(outside)], [], "a folder was made through the link");
  assert.ok((await Deno.lstat(join(ra, "ln"))).isSymlink, "the link was replaced");
});

Deno.test("an empty folder that becomes a file, and a file that becomes an empty folder, arrive as such", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs, "docs", { seed });
  await Deno.mkdir(join(ra, "x"));
  await syncOk(a);
  await syncOk(b);
  assert.ok(await isDir(join(rb, "x")));
  await Deno.remove(join(ra, "x"));
  await put(ra, "x", "now a file\n");
  await Deno.remove(join(ra, "g.txt"));
  await Deno.mkdir(join(ra, "g.txt"));
  await syncOk(a);
  const r = await syncOk(b);
  assert.doesNotMatch(r.stdout + r.stderr, /not written/, r.stdout + r.stderr);
  assert.equal(await text(rb, "x"), "now a file\n");
  assert.ok(await isDir(join(rb, "g.txt")), "g.txt is not a folder on b");
  // Nothing goes back and forth afterwards.
  for (const d of [a, b]) {
    const scan = await d.tmp.json<{ published: number }[]>([
      "--no-sync",
      "folder",
      "scan",
      "--json",
    ]);
    assert.equal(scan[0].published, 0, `${d.name} published again`);
  }
});
