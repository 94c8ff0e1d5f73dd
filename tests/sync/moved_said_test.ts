/**
 * @module moved_said_test
 * `sync now` says each file moved on one device while another edited it
 * once, when it appears (src/sync/moved_said.ts), however many there are:
 * a folder's info keeps the first 1000 old paths by path and only a digest
 * of the rest, which are said as one count line when that set changes.
 * Before, the pairs past the first 1000 were never recorded as said, so
 * every round said them again.
 */

import assert from "node:assert/strict";
import type { MovedWhileEdited } from "../../src/files/moved_edited.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { movedToSay, SAID_KEPT } from "../../src/sync/moved_said.ts";
import { tempHome } from "../helpers/mycel.ts";

function pairs(n: number, from = 0): MovedWhileEdited[] {
  const key = "ab".repeat(32);
  return Array.from({ length: n }, (_, i) => ({
    path: `dir/file-${String(from + i).padStart(5, "0")}.txt`,
    movedTo: `moved/file-${from + i}.txt`,
    movedBy: key,
    editedBy: key,
    content: "00",
  }));
}

Deno.test("sync now says each of 1,500 files moved while edited once, not every round, and keeps the folder's info bounded", async () => {
  await using t = await tempHome("mycel-moved-said-");
  await t.ok(["init", "--name", "alpha"]);
  using home = await Home.open(t.home, { write: true });
  await home.write((w) =>
    w.folderLocal.putFolder({ folder: "docs", root: t.path("docs"), added: 0, info: {} })
  );
  const all = pairs(1500);
  const first = await movedToSay(home, "docs", all);
  assert.equal(first.notes.length, SAID_KEPT, "the first 1000 by path are said one by one");
  assert.equal(first.more, 500, "the rest as a count");
  // The next rounds, the same set: nothing said again (before: 500 every round).
  for (let round = 0; round < 3; round++) {
    const again = await movedToSay(home, "docs", [...all].reverse());
    assert.deepEqual([again.notes.length, again.more], [0, 0], `round ${round + 2}`);
  }
  const info = home.folderLocal.folder("docs")!.info;
  assert.equal(info.movedSaid?.length, SAID_KEPT, "at most 1000 paths are kept");
  assert.ok(JSON.stringify(info).length < 60_000, "the info stays bounded");
  // One new pair past the first 1000: said once, as the count changes.
  const grown = [...all, ...pairs(1, 1500)];
  const next = await movedToSay(home, "docs", grown);
  assert.deepEqual([next.notes.length, next.more], [0, 501]);
  assert.deepEqual(
    [(await movedToSay(home, "docs", grown)).more, (await movedToSay(home, "docs", grown)).more],
    [0, 0],
  );
  // A new pair among the first 1000 by path: said by name, once.
  const early = [...grown, { ...pairs(1)[0], path: "a-first.txt" }];
  const named = await movedToSay(home, "docs", early);
  assert.deepEqual(named.notes.map((n) => n.path), ["a-first.txt"]);
  assert.equal((await movedToSay(home, "docs", early)).notes.length, 0);
});
