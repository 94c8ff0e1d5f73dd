/**
 * @module moved_notes_test
 * The "now at" notes (src/storage/sql_moved_notes.ts, src/sync/moved_kept.ts)
 * are a row each in a real home: a round's write costs the notes it adds
 * and drops, not the folder's (before, the whole JSON record of every
 * folder's notes was rewritten: 10,001 notes written to add one); past the
 * cap the oldest added go, counted, and `folder versions` says so; a path's
 * notes and a folder's (by prefix) are read by the index; an earlier
 * release's record is read as it is and taken over on the first write; a
 * folder left here drops its notes; repair carries them.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { homePaths } from "../../src/storage/home.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import type { MovedKeptNote } from "../../src/storage/sql_local.ts";
import { SqlMovedNotes } from "../../src/storage/sql_moved_notes.ts";
import { restoreFolders, salvageFolders } from "../../src/storage/repair_folders.ts";
import { createSchema } from "../../src/storage/schema.ts";
import {
  addMovedNotes,
  expireMovedNotes,
  MAX_NOTES,
  movedNotesCut,
  movedNotesOf,
  movedNotesUnder,
} from "../../src/sync/moved_kept.ts";
import { tempHome } from "../helpers/mycel.ts";
import { makeHome } from "./helpers.ts";

const DAY = 86400_000;
const KEY = "k".repeat(64);

const note = (path: string, kept: number, at = "x.txt"): MovedKeptNote => ({
  path,
  kept,
  size: 3,
  key: KEY,
  at,
});

async function withFolder(home: Home, id: string): Promise<void> {
  await home.write((w) =>
    w.folderLocal.putFolder({ folder: id, root: "/nowhere", added: 0, info: {} })
  );
}

Deno.test("moved notes: a path's are read by seek, a folder's by prefix; past the cap the oldest added go and are counted", async () => {
  await using t = await makeHome();
  const home = await t.writer();
  try {
    await withFolder(home, "docs");
    const now = t.now;
    const many = Array.from({ length: MAX_NOTES }, (_, i) => note(`many/${i}.txt`, now - DAY));
    await addMovedNotes(home, "docs", [note("d/a.txt", now - 2 * DAY), note("d.txt", now)]);
    await addMovedNotes(home, "docs", [note("dx/b.txt", now), note("d/sub/c.txt", now)]);
    assert.deepEqual(movedNotesUnder(home, "docs", "d").map((n) => n.path), [
      "d/a.txt",
      "d/sub/c.txt",
    ]);
    assert.deepEqual(movedNotesUnder(home, "docs", "").length, 4);
    assert.equal(movedNotesCut(home, "docs"), undefined);
    // MAX_NOTES more: the four added first go, the newest kept among them said.
    await addMovedNotes(home, "docs", many);
    assert.deepEqual(movedNotesOf(home, "docs", "d/a.txt"), []);
    assert.deepEqual(movedNotesUnder(home, "docs", "d"), []);
    assert.equal(movedNotesUnder(home, "docs", "").length, MAX_NOTES);
    assert.deepEqual(movedNotesCut(home, "docs"), { count: 4, newest: now });
    assert.deepEqual(movedNotesOf(home, "docs", "many/7.txt"), [note("many/7.txt", now - DAY)]);
    // Past the retention (30 days), the cut is not said: those would have expired anyway.
    t.now = now + 31 * DAY;
    assert.equal(movedNotesCut(home, "docs"), undefined);
    assert.deepEqual(movedNotesOf(home, "docs", "many/7.txt"), []);
    assert.equal(
      home.folderLocal.moved.under("docs", "", 0).length,
      MAX_NOTES,
      "not listed, still there",
    );
    // The hourly sweep drops them from the disk too.
    await expireMovedNotes(home, "docs");
    assert.deepEqual(home.folderLocal.moved.under("docs", "", 0), []);
    assert.equal(home.folderLocal.moved.cut("docs"), undefined);
  } finally {
    home.close();
  }
});

Deno.test("moved notes: adding one to a folder of 10,000 writes a few pages, not the folder's notes", async () => {
  await using t = await makeHome();
  const home = await t.writer();
  // Another connection to the same database: it empties the write-ahead
  // log, then counts the pages the next write put in it.
  const db = new DatabaseSync(homePaths(t.root).db);
  try {
    await withFolder(home, "docs");
    const many = Array.from({ length: 10_000 }, (_, i) => note(`folder/of/notes/${i}.txt`, t.now));
    await addMovedNotes(home, "docs", many);
    const frames = (mode: string) =>
      (db.prepare(`PRAGMA wal_checkpoint(${mode})`).get() as { log: number }).log;
    assert.equal(frames("TRUNCATE"), 0);
    await addMovedNotes(home, "docs", [note("new.txt", t.now)]);
    // Before, the whole record was rewritten: 10,001 notes, ~1.4 MB, some 350 pages.
    const written = frames("PASSIVE");
    assert.ok(written > 0 && written <= 30, `${written} pages written for one note`);
    assert.equal(movedNotesOf(home, "docs", "new.txt").length, 1);
    assert.equal(movedNotesOf(home, "docs", "folder/of/notes/0.txt").length, 0, "past the cap");
  } finally {
    db.close();
    home.close();
  }
});

Deno.test("moved notes: the oldest added go past the cap, whatever their times; expired ones by the index of times", () => {
  using dir = {
    path: Deno.makeTempDirSync(),
    [Symbol.dispose]() {
      Deno.removeSync(this.path, { recursive: true });
    },
  };
  const db = new DatabaseSync(join(dir.path, "notes.db"));
  try {
    db.exec(
      "CREATE TABLE local (k TEXT PRIMARY KEY, v TEXT NOT NULL); CREATE TABLE folder_local (folder TEXT PRIMARY KEY)",
    );
    const notes = new SqlMovedNotes(db);
    db.exec("BEGIN IMMEDIATE");
    notes.add("docs", [note("a", 50), note("b", 10), note("c", 30)], 0, 2);
    db.exec("COMMIT");
    assert.deepEqual(notes.under("docs", "", 0).map((n) => n.path), ["b", "c"]);
    assert.deepEqual(notes.cut("docs"), { count: 1, newest: 50 });
    assert.deepEqual(notes.under("other", "", 0), [], "another folder's are its own");
    db.exec("BEGIN IMMEDIATE");
    notes.add("docs", [note("d", 40)], 20, 2);
    db.exec("COMMIT");
    assert.deepEqual(notes.under("docs", "", 0).map((n) => n.path), ["c", "d"]);
    assert.deepEqual(notes.cut("docs"), { count: 1, newest: 50 }, "b expired, not cut");
    db.exec("BEGIN IMMEDIATE");
    notes.expire("docs", 60);
    db.exec("COMMIT");
    assert.deepEqual(notes.under("docs", "", 0), []);
    assert.equal(notes.cut("docs"), undefined, "a cut past the retention goes with it");
  } finally {
    db.close();
  }
});

Deno.test("moved notes: an earlier release's record is read as it is, taken over by the first write, and a left folder's dropped", async () => {
  await using t = await makeHome();
  const home = await t.writer();
  try {
    await withFolder(home, "docs");
    await home.write((w) =>
      w.setLocal("movedKept", {
        docs: [note("a.txt", t.now, "b.txt")],
        gone: [note("g.txt", t.now)], // a folder left here
      })
    );
    assert.deepEqual(movedNotesOf(home, "docs", "a.txt"), [note("a.txt", t.now, "b.txt")]);
    await addMovedNotes(home, "docs", [note("c.txt", t.now)]);
    assert.equal(home.local.get("movedKept"), undefined, "the record is dropped");
    assert.deepEqual(movedNotesUnder(home, "docs", "").map((n) => n.path), ["a.txt", "c.txt"]);
    assert.deepEqual(movedNotesUnder(home, "gone", ""), []);
    await home.write((w) => w.folderLocal.leaveFolder("docs", undefined));
    assert.deepEqual(movedNotesUnder(home, "docs", ""), [], "a folder left keeps none");
  } finally {
    home.close();
  }
});

Deno.test("folder versions says when the cap dropped older notes of the folder", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "solo"]);
  const dir = h.path("docs");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(join(dir, "a.txt"), "a\n");
  await h.ok(["--no-sync", "folder", "add", dir, "--id", "docs"]);
  const db = new DatabaseSync(homePaths(h.home).db);
  try {
    const now = Date.now();
    const many = Array.from({ length: MAX_NOTES + 2 }, (_, i) => note(`p/${i}.txt`, now));
    db.exec("BEGIN IMMEDIATE");
    new SqlMovedNotes(db).add("docs", many, 0, MAX_NOTES);
    db.exec("COMMIT");
  } finally {
    db.close();
  }
  const r = await h.ok(["--no-sync", "folder", "versions", join(dir, "a.txt")]);
  assert.match(r.stderr, /^No kept versions of a\.txt\.$/m);
  assert.match(
    r.stderr,
    /^Some versions may be missing: this folder keeps where the content of the newest 10,000 versions moved to another path went, and dropped 2 older ones \(kept .+ or before\)\.$/m,
    r.stderr,
  );
  const files = await h.ok(["--no-sync", "folder", "versions", dir, "--files"]);
  assert.match(files.stdout, /^p\/9\.txt {2}1 version$/m);
  assert.match(files.stderr, /^Some versions may be missing: .* dropped 2 older ones/m);
});

Deno.test("moved notes: repair carries a folder's notes and its cut into the new database", async () => {
  await using t = await makeHome();
  const home = await t.writer();
  try {
    await withFolder(home, "docs");
    await home.write((w) =>
      w.folderLocal.moved.add("docs", [note("a.txt", 5), note("b.txt", 6)], 0, 1)
    );
  } finally {
    home.close();
  }
  const old = new DatabaseSync(homePaths(t.root).db, { readOnly: true });
  const tables = salvageFolders(old, ["docs"]);
  old.close();
  const fresh = new DatabaseSync(":memory:");
  try {
    createSchema(fresh);
    await restoreFolders(fresh, tables);
    const notes = new SqlMovedNotes(fresh);
    assert.deepEqual(notes.under("docs", "", 0), [note("b.txt", 6)]);
    assert.deepEqual(notes.cut("docs"), { count: 1, newest: 5 });
  } finally {
    fresh.close();
  }
});
