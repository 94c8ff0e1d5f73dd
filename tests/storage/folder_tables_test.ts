/**
 * A home made before synced folders existed (no folder tables) still opens:
 * read-only it shows no folder, and its first writable open creates the
 * tables (idempotently), after which folders work.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { tempHome } from "../helpers/mycel.ts";

const TABLES = [
  "folder_shares",
  "folder_devices",
  "file_versions",
  "folder_frontier",
  "folder_local",
  "file_index",
  "chunk_locs",
  "blobs",
  "transfers",
];

function tables(home: string): string[] {
  const db = new DatabaseSync(homePaths(home).db);
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[])
      .map((r) => r.name).filter((n) => TABLES.includes(n)).sort();
  } finally {
    db.close();
  }
}

Deno.test("a home without folder tables opens read-only and gains them on its first write", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "old"]);
  const db = new DatabaseSync(homePaths(h.home).db);
  for (const t of TABLES) db.exec(`DROP TABLE ${t}`);
  db.close();
  assert.deepEqual(tables(h.home), []);
  const list = await h.json<{ folders: unknown[]; offers: unknown[] }>([
    "folder",
    "list",
    "--json",
  ]);
  assert.deepEqual(list, { folders: [], offers: [] });
  assert.deepEqual(tables(h.home), [], "a read-only open changes nothing");
  await h.ok(["--no-sync", "pref", "set", "theme", "dark"]);
  assert.deepEqual(tables(h.home), [...TABLES].sort());
  const dir = h.path("docs");
  await Deno.mkdir(dir);
  await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
  await h.ok(["--no-sync", "folder", "add", dir, "--id", "docs"]);
  const st = await h.json<{ files: number }[]>(["folder", "status", "--json"]);
  assert.equal(st[0].files, 1);
});

const hasRacy = (home: string) => {
  const db = new DatabaseSync(homePaths(home).db);
  try {
    return db.prepare("SELECT 1 FROM pragma_table_info('file_index') WHERE name = 'racy'")
      .get() !== undefined;
  } finally {
    db.close();
  }
};

Deno.test("index rows from before `racy` are read as they were and trusted: the upgrade reads no file again", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "old"]);
  const dir = h.path("docs");
  await Deno.mkdir(dir);
  for (const n of ["a", "b", "c"]) await Deno.writeTextFile(`${dir}/${n}.txt`, `${n}\n`);
  await h.ok(["--no-sync", "folder", "add", dir, "--id", "docs"]); // rows racy: scanned at once
  const db = new DatabaseSync(homePaths(h.home).db);
  db.exec("ALTER TABLE file_index DROP COLUMN racy"); // as the previous release has it
  db.close();
  const st = await h.json<{ files: number }[]>(["folder", "status", "--json"]);
  assert.equal(st[0].files, 3);
  assert.equal(hasRacy(h.home), false, "a read-only open changes nothing");
  const [scan] = await h.json<{ hashed_files: number; published: number }[]>(
    ["--no-sync", "folder", "scan", "docs", "--json"],
  );
  assert.deepEqual([scan.hashed_files, scan.published], [0, 0]);
  assert.equal(hasRacy(h.home), true, "the first write open adds the column");
});
