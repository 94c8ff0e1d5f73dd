/**
 * The fold's view of a path's versions in the home's tables
 * (src/log/folder_held.ts, src/storage/sql_folders.ts): kept for one write
 * transaction, so N entries of one concurrent version each of one path read
 * the path's rows once a transaction, not once an entry (N²/2 rows before:
 * issue 13); never serving rows a rollback, another connection's commit or
 * a refold's clearing made stale (random folds against the definition:
 * folder_held_random_test.ts; the bound on its memory:
 * tests/log/folder_held_test.ts).
 */

import assert from "node:assert/strict";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { Entry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { SqlState } from "../../src/storage/sql_state.ts";
import { AUTHORS, countingRows, entry, OTHERS, version, withDb, write } from "./_folder_held.ts";

const N = 300;

Deno.test("folding 300 entries of one concurrent version each of one path into the home's tables reads a number of stored rows linear in 300", async () => {
  await withDb(async (plain, path) => {
    const { db, rows } = countingRows(plain);
    const sql = new SqlState(db);
    const mem = new MemoryState();
    const [a] = AUTHORS;
    const es = OTHERS.slice(0, N).map((d, i) =>
      entry(a, i + 1, [version(a, "one", new Map([[a.id, 1], [d, 1]]))])
    );
    await write(db, path, sql, () => {
      for (const e of es) foldEntry(sql, e);
    });
    for (const e of es) foldEntry(mem, e);
    const read = rows();
    assert.equal(sql.folders().versionsAt("docs", "one").length, N); // all side by side
    assert.equal(stateDigest(sql), stateDigest(mem));
    // Before: each entry's fold read every row the path held, N²/2 = 44,850.
    assert.ok(read <= N, `${read} rows of file_versions read`);
  });
});

Deno.test("the fold's view of a path never outlives a write transaction: a rollback, another connection's commit and a refold's clearing all show", async () => {
  await withDb(async (db, path) => {
    const sql = new SqlState(db);
    const mem = new MemoryState(); // what was committed
    const [a, b] = AUTHORS;
    const [o0, o1] = OTHERS;
    const at = (e: Entry, ...vv: [string, number][]) =>
      entry(e.author, e.seq, [version(e.author, "p", new Map(vv), e.seq)]);
    const e1 = at(entry(a, 1, []), [a.id, 1], [o0, 1]);
    const e2 = at(entry(a, 2, []), [a.id, 1], [o1, 1]);
    await write(db, path, sql, () => [e1, e2].forEach((e) => foldEntry(sql, e)));
    [e1, e2].forEach((e) => foldEntry(mem, e));
    // Rolled back: a version above what comes next must not hide it.
    const above = at(entry(a, 3, []), [a.id, 2], [o0, 1], [o1, 1]);
    await assert.rejects(write(db, path, sql, () => {
      foldEntry(sql, above);
      assert.equal(sql.folders().versionsAt("docs", "p").length, 1);
      throw new Error("rolled back");
    }));
    const e3 = at(entry(a, 3, []), [a.id, 1], [o0, 1], [o1, 1]); // above e1 and e2
    await write(db, path, sql, () => foldEntry(sql, e3));
    foldEntry(mem, e3);
    // Another connection commits a version above e3 ...
    const other = await openWritable(path);
    try {
      const theirs = new SqlState(other);
      const e4 = at(entry(b, 1, []), [a.id, 1], [o0, 1], [o1, 1], [b.id, 1]);
      await write(other, path, theirs, () => foldEntry(theirs, e4));
      foldEntry(mem, e4);
    } finally {
      other.close();
    }
    // ... and above this one, which nothing this connection read before is.
    const e5 = at(entry(a, 4, []), [a.id, 1], [b.id, 1]);
    await write(db, path, sql, () => foldEntry(sql, e5));
    foldEntry(mem, e5);
    const ids = (s: SqlState | MemoryState) => s.folders().versionsAt("docs", "p").map((v) => v.id);
    assert.equal(ids(sql).length, 1);
    assert.deepEqual(ids(sql), ids(mem));
    assert.equal(stateDigest(sql), stateDigest(mem));
    // A refold clears the tables underneath, inside the transaction, and
    // starts again from a base (merged) and the entries.
    const base = new MemoryState();
    foldEntry(base, e1);
    await write(db, path, sql, () => {
      foldEntry(sql, at(entry(a, 5, []), [a.id, 3])); // the path is cached now
      db.exec("DELETE FROM file_versions; DELETE FROM folder_frontier");
      sql.invalidate();
      mergeState(sql, base);
      foldEntry(sql, e2);
    });
    const again = new MemoryState();
    [e1, e2].forEach((e) => foldEntry(again, e));
    assert.equal(ids(again).length, 2);
    assert.deepEqual(ids(sql), ids(again));
  });
});

Deno.test("a version carried by several entries keeps the smallest entry, whatever order they fold in within one transaction", async () => {
  await withDb(async (db, path) => {
    const sql = new SqlState(db);
    const [a] = AUTHORS;
    const v = version(a, "p", new Map([[a.id, 1]]));
    await write(db, path, sql, () => {
      for (const seq of [5, 2, 3]) foldEntry(sql, entry(a, seq, [v]));
    });
    assert.deepEqual(sql.folders().versionsAt("docs", "p").map((r) => r.seq), [2]);
  });
});

Deno.test("a state never told of a write transaction reads a path again for each fold: another connection's commit shows", async () => {
  await withDb(async (db, path) => {
    const sql = new SqlState(db); // as migration and repair use one: no cacheRows
    const otherDb = await openWritable(path);
    try {
      const other = new SqlState(otherDb);
      const [a, b] = AUTHORS;
      const [o0] = OTHERS;
      const v = (au: DeviceKey, ...vv: [string, number][]) => version(au, "p", new Map(vv));
      await inTransaction(db, path, () => foldEntry(sql, entry(a, 1, [v(a, [a.id, 1], [o0, 1])])));
      const theirs = entry(b, 1, [v(b, [a.id, 1], [b.id, 1])]); // concurrent with a's
      await inTransaction(otherDb, path, () => foldEntry(other, theirs));
      // Above theirs only: theirs goes, a's stays.
      const above = entry(a, 2, [v(a, [a.id, 2], [b.id, 1])]);
      await inTransaction(db, path, () => foldEntry(sql, above));
      assert.deepEqual(sql.folders().versionsAt("docs", "p").map((r) => r.seq).sort(), [1, 2]);
    } finally {
      otherDb.close();
    }
  });
});
