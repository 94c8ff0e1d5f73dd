/**
 * The SQLite state against the in-memory one: the same writes, folded in the
 * same order, give the same versions, parked dots and digest. The SQLite
 * keyspace replaces a version in one statement (`SqlSpace.replace`), which
 * the in-memory one never does, so this is what shows that shortcut changes
 * nothing.
 */

import assert from "node:assert/strict";
import { applyWrite, type Dot, type Version } from "../../src/crdt/dotted.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { inTransaction, openWritable } from "../../src/storage/db.ts";
import { createSchema } from "../../src/storage/schema.ts";
import { SqlState } from "../../src/storage/sql_state.ts";
import { rng } from "../helpers/random.ts";

const AUTHORS = [1, 2, 3].map((i) => DeviceKey.of(new Uint8Array(32).fill(i)));
const KEYS = ["a", "b", "c"];

const rows = (vs: Version[]) =>
  vs.map((v) => `${v.dot.author.slice(0, 4)}#${v.dot.seq}=${JSON.stringify(v.value ?? null)}`)
    .sort().join(" ");

Deno.test("the SQLite state folds random writes exactly as the in-memory state does (one-statement replace included)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-sqlstate-" });
  const db = await openWritable(`${dir}/state.db`);
  try {
    await inTransaction(db, dir, () => createSchema(db));
    let replacedSomewhere = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      db.exec("DELETE FROM versions; DELETE FROM parked; DELETE FROM seen;");
      const sql = new SqlState(db);
      const mem = new MemoryState();
      const seqs = AUTHORS.map(() => 0);
      await inTransaction(db, dir, () => {
        sql.cacheRows(true); // as a write transaction runs it
        for (let step = 0; step < 60; step++) {
          const a = Math.floor(random() * AUTHORS.length);
          const dot: Dot = { author: AUTHORS[a].hex, seq: ++seqs[a] };
          const key = KEYS[Math.floor(random() * KEYS.length)];
          // Mostly what a device shows (the versions now), sometimes a dot
          // not folded yet (parked), or its own (a write voiding itself).
          const shown = mem.space("prefs").versions(key).map((v) => v.dot);
          const r = random();
          const observed = r < 0.7
            ? shown.slice(0, 1 + Math.floor(random() * 2))
            : r < 0.85
            ? [{ author: AUTHORS[Math.floor(random() * 3)].hex, seq: seqs[a] + 2 }]
            : r < 0.92
            ? [dot]
            : [];
          if (observed.length === 1 && shown.some((d) => d.seq === observed[0].seq)) {
            replacedSomewhere++;
          }
          const put = random() < 0.8 ? { value: step } : "tombstone" as const;
          const stamp = { wall: Math.floor(random() * 5), counter: 0, node: dot.author };
          for (const state of [sql, mem]) {
            applyWrite(state.space("prefs"), key, { dot, stamp, put, observed });
            state.setSeen(AUTHORS[a], dot.seq);
          }
        }
        sql.flush();
        sql.cacheRows(false);
      });
      for (const key of KEYS) {
        assert.equal(
          rows(sql.space("prefs").versions(key)),
          rows(mem.space("prefs").versions(key)),
          `seed ${seed}, key ${key}`,
        );
      }
      assert.equal(stateDigest(sql), stateDigest(mem), `seed ${seed}`);
    }
    assert.ok(replacedSomewhere > 500, `writes replacing one shown version: ${replacedSomewhere}`);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a refetchable transaction commits without fsync and leaves the connection durable again, even when it throws", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-sync-mode-" });
  const db = await openWritable(`${dir}/state.db`);
  const mode = () =>
    (db.prepare("PRAGMA synchronous").get() as { synchronous: number }).synchronous;
  try {
    assert.equal(mode(), 2, "FULL by default");
    assert.equal(
      await inTransaction(db, dir, () => mode(), { refetchable: true }),
      1,
      "NORMAL inside",
    );
    assert.equal(mode(), 2);
    await assert.rejects(
      inTransaction(db, dir, () => Promise.reject(new Error("boom")), { refetchable: true }),
    );
    assert.equal(mode(), 2);
    assert.equal(await inTransaction(db, dir, () => mode()), 2, "a plain write stays FULL");
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
