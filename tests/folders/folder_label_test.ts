/**
 * `sync now`, `folder scan` and `folder status` name a folder by the name a person knows it
 * by, with its id after it ("folder photos (2p547-v4hbr): 1 change
 * applied"): a folder shared without `--id` has a random id, which alone
 * said nothing. Their `--json` keeps its fields and gains `name`. A folder
 * whose id is its name is still named once. Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { versionPathFor } from "../../src/files/versions.ts";
import { tempHome } from "../helpers/mycel.ts";
import { devices, folderOf, put, syncNow, syncOk } from "./_helpers.ts";

Deno.test("sync now, folder scan and folder status name a folder with a random id by its name and id", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of [a, b]) await d.serve();
  const ra = folderOf(a, "photos"), rb = folderOf(b, "photos");
  await Deno.mkdir(ra);
  const added = await a.tmp.json<{ id: string; name: string }>([
    "--no-sync",
    "folder",
    "add",
    ra,
    "--json",
  ]);
  const id = added.id;
  assert.notEqual(id, "photos");
  const label = `photos \\(${id}\\)`;
  await syncOk(b);
  await b.ok(["--no-sync", "folder", "join", id, rb]);

  await put(ra, "one.txt", "one\n");
  const scan = await a.ok(["folder", "scan", id]);
  assert.match(scan.stdout, new RegExp(`^${label}: 1 file; published 1 change$`, "m"), scan.stdout);
  await put(ra, "two.txt", "two\n");
  const sa = await syncOk(a);
  assert.match(
    sa.stdout,
    new RegExp(`^folder ${label}: 1 local change published$`, "m"),
    sa.stdout,
  );
  const sb = await syncOk(b);
  assert.match(sb.stdout, new RegExp(`^folder ${label}: 2 changes applied`, "m"), sb.stdout);

  // folder status heads each folder the same way: name first, id after.
  const st = await b.ok(["folder", "status"]);
  assert.match(
    st.stdout,
    new RegExp(`^${label} at ${rb.replaceAll("/", "\\/")}: 2 files`, "m"),
    st.stdout,
  );

  // --json keeps its fields (id, folder) and adds the name.
  await put(ra, "three.txt", "three\n");
  const j = await syncNow(a, ["--json", "--folders"]);
  assert.equal(j.code, 0, j.stderr);
  const doc = JSON.parse(j.stdout) as { folders: { id: string; name: string }[] };
  assert.deepEqual(doc.folders.map((f) => [f.id, f.name]), [[id, "photos"]]);
  const [sj] = await a.tmp.json<{ folder: string; name: string }[]>([
    "folder",
    "scan",
    id,
    "--json",
  ]);
  assert.deepEqual([sj.folder, sj.name], [id, "photos"]);

  // The hold of a mass deletion names it too; the commands it gives take the id.
  for (const f of ["one.txt", "two.txt", "three.txt"]) await Deno.remove(`${ra}/${f}`);
  const held = await a.ok(["folder", "scan", id]);
  assert.match(
    held.stderr,
    new RegExp(`^${label}: 3 of 3 files are gone on disk`, "m"),
    held.stderr,
  );
  assert.ok(held.stderr.includes(`mycel folder scan ${id} --yes`), held.stderr);

  // folder add says what it shared the same way.
  await Deno.mkdir(folderOf(a, "music"));
  const shown = await a.ok(["--no-sync", "folder", "add", folderOf(a, "music"), "--name", "music"]);
  assert.match(shown.stdout, /^Shared folder music \([a-z0-9]{5}-[a-z0-9]{5}\)\.$/m, shown.stdout);
});

Deno.test("folder join, conflicts, move, retention and remove name a folder with a random id by its name and id", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of [a, b]) await d.serve();
  const ra = folderOf(a, "photos"), rb = folderOf(b, "photos");
  await put(ra, "one.txt", "from a\n");
  const { id } = await a.tmp.json<{ id: string }>(["--no-sync", "folder", "add", ra, "--json"]);
  const label = `photos \\(${id}\\)`;
  await syncOk(b);
  // b has its own one.txt there: joined, the two are in conflict and a copy is kept.
  await put(rb, "one.txt", "from b\n");
  const joined = await b.ok(["--no-sync", "folder", "join", id, rb]);
  assert.match(joined.stdout, new RegExp(`^Joined folder ${label}; `), joined.stdout);
  await syncOk(b);
  const conflicts = await b.ok(["folder", "conflicts"]);
  assert.match(
    conflicts.stdout,
    new RegExp(`^${label}: one\\.sync-conflict-\\S+\\.txt: conflict copy of one\\.txt`, "m"),
    conflicts.stdout,
  );

  const moved = folderOf(b, "pictures");
  await Deno.rename(rb, moved);
  const mv = await b.ok(["--no-sync", "folder", "move", id, moved]);
  assert.match(mv.stdout, new RegExp(`^Folder ${label} now syncs at `), mv.stdout);
  const kept = await b.ok(["--no-sync", "folder", "retention", id]);
  assert.match(kept.stdout, new RegExp(`^${label}: replaced and deleted files are kept here `));
  const set = await b.ok(["--no-sync", "folder", "retention", id, "0"]);
  assert.match(set.stdout, new RegExp(`^${label}: replaced and deleted files are not kept here`));
  const rm = await b.ok(["--no-sync", "folder", "remove", id]);
  assert.match(rm.stdout, new RegExp(`^Stopped syncing ${label} here; `), rm.stdout);
});

Deno.test("folder versions of a synced folder with a random id heads its lines with the name and id", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const photos = h.path("photos");
  await Deno.mkdir(photos);
  const { id } = await h.json<{ id: string }>(["--no-sync", "folder", "add", photos, "--json"]);
  const label = `photos (${id})`;
  // Before: "No kept versions in folder 2p547-v4hbr." and "Folder 2p547-v4hbr has …".
  const none = await h.run(["--no-sync", "folder", "versions", photos]);
  assert.equal(none.stderr, `No kept versions in folder ${label}.\n`);
  const noFiles = await h.run(["--no-sync", "folder", "versions", photos, "--files"]);
  assert.equal(noFiles.stderr, `No kept versions in folder ${label}.\n`);
  const p = join(photos, versionPathFor("one.txt", Date.UTC(2026, 10, 1)));
  await Deno.mkdir(join(p, ".."), { recursive: true });
  await Deno.writeTextFile(p, "old\n");
  const some = await h.run(["--no-sync", "folder", "versions", photos]);
  assert.match(
    some.stderr,
    new RegExp(`^Folder photos \\(${id}\\) has kept versions of 1 file:$`, "m"),
  );
});
