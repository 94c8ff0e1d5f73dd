/**
 * The folder commands around a share, with real processes: `folder list`
 * shows a folder offered by another device until this one joins it, by the
 * name it was shared under; `folder remove` stops syncing it here, deletes
 * nothing, tells the mesh (the sharer's list no longer names this device)
 * and a second remove is a named usage error. `folder list` prints an
 * aligned table, offers last and marked, whatever the names' lengths and
 * widths (CJK), with peers' text escaped.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { displayWidth } from "../../src/display_width.ts";
import { tempHome } from "../helpers/mycel.ts";
import { devices, folderOf, put, syncOk, text } from "./_helpers.ts";

interface FolderRow {
  id: string;
  name: string;
  path: string | null;
  devices: string[];
}
interface FolderList {
  folders: FolderRow[];
  offers: FolderRow[];
}

Deno.test("folder list offers a share until joined; folder remove stops syncing and deletes nothing", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  for (const d of [a, b]) await d.serve();
  const [ra, rb] = [folderOf(a), folderOf(b)];
  await put(ra, "plan.txt", "v1\n");
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs", "--name", "Team docs"]);
  await syncOk(b);

  const offered = await b.tmp.json<FolderList>(["folder", "list", "--json"]);
  assert.deepEqual(offered.folders, []);
  assert.deepEqual(offered.offers, [{ id: "docs", name: "Team docs", path: null, devices: ["a"] }]);
  const text1 = await b.run(["folder", "list"]);
  assert.match(
    text1.stdout,
    /^docs +Team docs +a +not joined here\nTo sync an offer here: mycel folder join docs PATH$/m,
  );

  await b.ok(["--no-sync", "folder", "join", "docs", rb]);
  await syncOk(b);
  assert.equal(await text(rb, "plan.txt"), "v1\n");
  const joined = await b.tmp.json<FolderList>(["folder", "list", "--json"]);
  assert.deepEqual(joined.offers, []);
  assert.equal(joined.folders[0].id, "docs");
  assert.deepEqual(joined.folders[0].devices.sort(), ["a", "b"]);

  const removed = await b.run(["folder", "remove", "docs"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /Stopped syncing Team docs \(docs\) here; its files stay in /);
  assert.equal(await text(rb, "plan.txt"), "v1\n", "nothing deleted");

  // a's next change no longer reaches b's copy, and a hears that b left.
  await put(ra, "plan.txt", "v2\n");
  await put(ra, "new.txt", "new\n");
  await syncOk(a);
  await syncOk(b);
  assert.equal(await text(rb, "plan.txt"), "v1\n");
  assert.equal(await Deno.lstat(join(rb, "new.txt")).catch(() => null), null);
  await syncOk(a);
  const onA = await a.tmp.json<FolderList>(["folder", "list", "--json"]);
  assert.deepEqual(onA.folders[0].devices, ["a"]);
  const offeredAgain = await b.tmp.json<FolderList>(["folder", "list", "--json"]);
  assert.deepEqual(offeredAgain.offers.map((f) => f.id), ["docs"]);

  const again = await b.run(["folder", "remove", "docs"]);
  assert.equal(again.code, 2, again.stderr);
  assert.match(again.stderr, /Cannot remove folder: this device does not sync it \(docs\)/);
});

Deno.test("folder list lines its columns up whatever the names' lengths, offers last and marked", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const base = await Deno.realPath(h.dir);
  const shares: [string, string][] = [
    ["docs", "Team docs"],
    ["photos-2026", "写真\u202e"], // two columns a character; the bidi override escaped
    ["m", "Music of the whole family"], // cut
  ];
  for (const [id, name] of shares) {
    await Deno.mkdir(join(base, id));
    await h.ok(["--no-sync", "folder", "add", join(base, id), "--id", id, "--name", name]);
  }
  // Still shared, no longer synced here: an offer.
  await h.ok(["--no-sync", "folder", "remove", "m"]);

  const r = await h.run(["folder", "list", "--all"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.deepEqual(lines.map((l) => l.split(/ {2,}/)), [
    ["ID", "NAME", "DEVICES", "PATH"],
    ["docs", "Team docs", "laptop", join(base, "docs")],
    ["photos-2026", "写真\\u202e", "laptop", join(base, "photos-2026")],
    ["m", "Music of the whole fami…", "no device", "not joined here"],
    ["To sync an offer here: mycel folder join m PATH"],
  ]);
  assert.doesNotMatch(r.stdout, /\u202e/u);
  // Every cell of a column starts at the header's terminal column.
  const startOf = (line: string, cell: string) => displayWidth(line.slice(0, line.indexOf(cell)));
  const table = lines.slice(0, 4);
  const columns = table.map((l) => l.split(/ {2,}/).map((cell) => startOf(l, cell)));
  for (const row of columns) assert.deepEqual(row, columns[0], table.join("\n"));
});

Deno.test("folder list leaves out a share no device syncs any more, says so, and shows it with --all; --json keeps it", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  const base = await Deno.realPath(h.dir);
  for (const id of ["docs", "old"]) {
    await Deno.mkdir(join(base, id));
    await h.ok(["--no-sync", "folder", "add", join(base, id), "--id", id]);
  }
  // Removed on its only device: nobody syncs it, joining it would sync with nobody.
  await h.ok(["--no-sync", "folder", "remove", "old"]);

  const r = await h.run(["folder", "list"]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split("\n").map((l) => l.split(/ {2,}/)), [
    ["ID", "NAME", "DEVICES", "PATH"],
    ["docs", "docs", "laptop", join(base, "docs")],
    ["1 shared folder that no device syncs any more not listed: mycel folder list --all"],
  ]);
  const all = await h.run(["folder", "list", "--all"]);
  assert.match(all.stdout, /^old +old +no device +not joined here$/m);
  assert.match(all.stdout, /To sync an offer here: mycel folder join old PATH/);
  const json = await h.json<FolderList>(["folder", "list", "--json"]);
  assert.deepEqual(json.offers, [{ id: "old", name: "old", path: null, devices: [] }]);

  // Nothing but such a share: no empty table, only the line.
  await h.ok(["--no-sync", "folder", "remove", "docs"]);
  const none = await h.run(["folder", "list"]);
  assert.equal(
    none.stdout,
    "2 shared folders that no device syncs any more not listed: mycel folder list --all\n",
  );
});
