/**
 * @module db_open_test
 * The home's database while another connection holds it: a busy error says
 * how long it waited instead of claiming the whole busy timeout.
 */

import assert from "node:assert/strict";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { sqliteError } from "../../src/storage/storage_errors.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { tempDir } from "./helpers.ts";

Deno.test("a busy home's error says how long it waited, and claims no wait it did not measure", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/mycel.db`;
  const holder = openWritable(path);
  const waiter = openWritable(path);
  try {
    holder.exec("BEGIN IMMEDIATE");
    waiter.exec("PRAGMA busy_timeout=200");
    const e = await assertRejectsMycel(inTransaction(waiter, path, () => {}), "busy");
    assert.match(
      e.message,
      /^Cannot start a change: another mycel command kept the home locked \(gave up after 0\.\d s\) \(/,
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
