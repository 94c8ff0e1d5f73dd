/**
 * The write-back cache of `versions` rows (src/storage/sql_versions.ts) and
 * the ingest stream that holds pushes to share a transaction
 * (src/storage/ingest_stream.ts): reads inside the transaction see the
 * cached writes, a rollback drops them, committed rows are kept only while
 * no other connection writes, and held entries are taken in before any
 * other write and at finish, to the same state as one push each.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { Version } from "../../src/crdt/dotted.ts";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { createSchema } from "../../src/storage/schema.ts";
import { SqlState } from "../../src/storage/sql_state.ts";
import { makeHome, pairInProcess } from "./helpers.ts";

const A = "aa".repeat(32);
const v = (seq: number, value: string): Version => ({
  dot: { author: A, seq },
  stamp: { wall: seq, counter: 0, node: A },
  value,
});
const values = (vs: Version[]) => vs.map((x) => x.value).join(",");

Deno.test("cached version rows: read back inside the transaction, dropped by a rollback, kept after a commit until another connection writes", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-vcache-" });
  const db = openWritable(`${dir}/state.db`);
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

Deno.test("an ingest stream holds small pushes: another write takes them in first, finish the rest, same state as the sender", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  await pairInProcess(a, b);
  const hb = await b.writer();
  for (let i = 0; i < 40; i++) {
    const key = `k${i % 3}`;
    await hb.write((tx) =>
      tx.commit([{
        type: "pref.set",
        key,
        value: `v${i}`,
        observed: tx.view.observed("prefs", key),
      }])
    );
  }
  const raw = hb.log.range(b.device, 0, undefined, 1000);
  const ha = await a.writer();
  try {
    const stream = ha.ingestStream();
    const half = raw.length >> 1;
    for (const r of raw.slice(0, half)) await stream.push([r]);
    await ha.write((w) => w.setLocal("recoverOwnTo", undefined));
    assert.equal(ha.log.head(b.device)?.seq, half, "taken in by the other write");
    for (const r of raw.slice(half)) await stream.push([r]);
    await stream.finish();
    assert.deepEqual(ha.view.prefs(), hb.view.prefs());
    assert.equal(ha.view.pref("k0"), "v39");
    assert.equal(ha.log.head(b.device)?.seq, hb.log.head(b.device)?.seq);
  } finally {
    ha.close();
    hb.close();
  }
});
