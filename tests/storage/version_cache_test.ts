/**
 * The write-back cache of `versions` rows (src/storage/sql_versions.ts):
 * reads inside the transaction see the cached writes, a rollback drops
 * them, committed rows are kept only while no other connection writes.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Version } from "../../src/crdt/dotted.ts";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { createSchema } from "../../src/storage/schema.ts";
import { SqlState } from "../../src/storage/sql_state.ts";

const A = "aa".repeat(32);
const v = (seq: number, value: string): Version => ({
  dot: { author: A, seq },
  stamp: { wall: seq, counter: 0, node: A },
  value,
});
const values = (vs: Version[]) => vs.map((x) => x.value).join(",");

Deno.test("cached version rows: read back inside the transaction, dropped by a rollback, kept after a commit until another connection writes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-vcache-" });
  const db = await openWritable(`${dir}/state.db`);
  const table = () =>
    (db.prepare("SELECT value FROM versions ORDER BY seq").all() as { value: string }[])
      .map((r) => JSON.parse(r.value)).join(",");
  // As Home.#write runs a transaction.
  const write = async (fn: (s: ReturnType<SqlState["space"]>) => void) => {
    let committed = false;
    try {
      await inTransaction(db, dir, () => {
        sql.cacheRows(true);
        fn(sql.space("prefs"));
        sql.flush();
      });
      committed = true;
    } finally {
      sql.cacheRows(false, committed);
    }
  };
  await inTransaction(db, dir, () => createSchema(db));
  const sql = new SqlState(db);
  try {
    await write((p) => {
      p.put("k", v(1, "one"));
      assert.equal(values(p.versions("k")), "one");
      assert.equal(table(), "", "not written before the flush");
      assert.ok(p.replace("k", v(1, "").dot, v(2, "two")));
      assert.equal(values(p.versions("k")), "two");
    });
    assert.equal(table(), "two", "one replace for the key");

    await assert.rejects(write((p) => {
      assert.ok(p.replace("k", v(2, "").dot, v(3, "three")));
      throw new Error("boom");
    }));
    assert.equal(values(sql.space("prefs").versions("k")), "two");
    await write((p) => assert.equal(values(p.versions("k")), "two", "the rollback's rows dropped"));

    // Another connection's commit: the rows this one kept are stale.
    const other = new DatabaseSync(`${dir}/state.db`);
    other.prepare("UPDATE versions SET seq = 9, value = ? WHERE seq = 2").run('"nine"');
    other.close();
    await write((p) => {
      assert.equal(values(p.versions("k")), "nine");
      assert.equal(p.replace("k", v(2, "").dot, v(4, "four")), false);
      assert.ok(p.replace("k", v(9, "").dot, v(4, "four")));
    });
    await write((p) => assert.ok(p.replace("k", v(4, "").dot, v(5, "five"))));
    assert.equal(table(), "five");
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
