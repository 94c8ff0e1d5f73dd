/**
 * @module wal_size_limit_test
 * The home's write-ahead log goes back to at most WAL_SIZE_LIMIT on disk
 * once a checkpoint has moved it into the database (db.ts `journal_size_limit`).
 * Before, a WAL grown while a long read held its snapshot (a cut of the state
 * for a peer: snapshot_reader.ts) kept its largest size for good.
 *
 * Real SQLite files: a snapshot held through a connection of its own (as a
 * cut holds it) while a connection opened as the home's is (openWritable)
 * commits about 40 MiB, so no
 * checkpoint can reset the log; then the snapshot is released and the home
 * writes on.
 */

import assert from "node:assert/strict";
import { openReadOnly, openWritable, WAL_SIZE_LIMIT } from "../../src/storage/db.ts";

Deno.test("a write-ahead log grown past its limit while a snapshot was held is cut back to the limit after the next checkpoint", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/mycel.db`;
    const db = await openWritable(path);
    try {
      db.exec("CREATE TABLE filler (b BLOB)");
      // A read transaction pinned as snapshot_reader.ts pins one.
      const snap = openReadOnly(path);
      snap.exec("BEGIN");
      snap.prepare("SELECT count(*) FROM filler").get();
      const insert = db.prepare("INSERT INTO filler VALUES (?)");
      const blob = new Uint8Array(1 << 20).fill(7);
      for (let i = 0; i < 40; i++) insert.run(blob);
      const grown = Deno.statSync(`${path}-wal`).size;
      assert.ok(grown > 2 * WAL_SIZE_LIMIT, `the log grew while the snapshot was held: ${grown}`);
      snap.exec("COMMIT");
      snap.close();
      // The log moved into the database, then a writer starts it again.
      db.exec("PRAGMA wal_checkpoint(PASSIVE)");
      db.exec("DELETE FROM filler");
      db.exec("PRAGMA wal_checkpoint(PASSIVE)");
      db.exec("INSERT INTO filler VALUES (x'00')");
      const after = Deno.statSync(`${path}-wal`).size;
      assert.ok(after <= WAL_SIZE_LIMIT, `the log is back to ${after} (limit ${WAL_SIZE_LIMIT})`);
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
