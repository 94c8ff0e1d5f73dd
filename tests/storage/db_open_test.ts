/**
 * @module db_open_test
 * Opening the home's database while another connection holds it, in one
 * process with two connections and the exact interleaving of two commands
 * opening a new home together: the one that finds the new file being
 * switched to WAL by the other waits for it (SQLite refuses that step at
 * once, without its busy handler), and a busy error says how long it waited
 * instead of claiming the whole busy timeout.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { sqliteError } from "../../src/storage/storage_errors.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { tempDir } from "./helpers.ts";

const journalMode = (db: DatabaseSync) =>
  (db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode;

Deno.test("opening a new database another command is switching to WAL waits for it instead of failing at once", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/mycel.db`;
  // The other command: it made the file and, switching it to WAL, holds its
  // write lock. SQLite then refuses our switch at once ("database is
  // locked" in about a millisecond, whatever the busy timeout).
  const other = new DatabaseSync(path);
  other.exec("BEGIN IMMEDIATE");
  const started = performance.now();
  const release = new Promise((resolve) => setTimeout(resolve, 150)).then(() => {
    other.exec("COMMIT");
    other.exec("PRAGMA journal_mode=WAL");
  });
  const db = await openWritable(path);
  await release;
  try {
    assert.ok(performance.now() - started >= 100, "it waited for the other command");
    assert.equal(journalMode(db), "wal");
    await inTransaction(db, path, () => db.exec("CREATE TABLE t (x)"));
    assert.equal(journalMode(other), "wal");
  } finally {
    db.close();
    other.close();
  }
});

Deno.test("a busy home's error says how long it waited, and claims no wait it did not measure", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/mycel.db`;
  const holder = await openWritable(path);
  const waiter = await openWritable(path);
  try {
    holder.exec("BEGIN IMMEDIATE");
    waiter.exec("PRAGMA busy_timeout=200");
    const e = await assertRejectsMycel(inTransaction(waiter, path, () => {}), "busy");
    assert.match(
      e.message,
      /^Cannot start a change: another mycel command kept the home locked \(gave up after \d+\.\d s\) \(/,
    );
    holder.exec("ROLLBACK");
  } finally {
    holder.close();
    waiter.close();
  }
  const unmeasured = Object.assign(new Error("database is locked"), { code: "ERR_SQLITE_ERROR" });
  assert.equal(
    (sqliteError(unmeasured, "read state", path) as Error).message,
    `Cannot read state: another mycel command has the home locked (${path})`,
  );
});
