/**
 * The fold's view of a path's versions in the home's tables
 * (src/log/folder_held.ts, src/storage/sql_folders.ts): kept for one write
 * transaction, so N entries of one concurrent version each of one path read
 * the path's rows once a transaction, not once an entry (N²/2 rows before:
 * issue 13); never serving rows a rollback, another connection's commit or
 * a refold's clearing made stale (the bound on its memory:
 * tests/log/folder_held_test.ts).
 */

import assert from "node:assert/strict";
import type { FileVersion } from "../../src/files/file_version.ts";
import { compareVv, type VersionVector } from "../../src/files/version_vector.ts";
import { encodeFileVersion } from "../../src/files/file_version.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Entry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import { folderLines, versionId } from "../../src/log/folder_state.ts";
import type { Op } from "../../src/log/ops.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { type Db, inTransaction, openWritable } from "../../src/storage/db.ts";
import { createSchema } from "../../src/storage/schema.ts";
import { SqlState } from "../../src/storage/sql_state.ts";
import { rng } from "../helpers/random.ts";

const AUTHORS = [1, 2].map((i) => DeviceKey.of(new Uint8Array(32).fill(i)));
/** Made-up devices the vectors name besides the author. */
const OTHERS = Array.from({ length: 300 }, (_, i) => {
  const k = new Uint8Array(32);
  k.set([0xee, i & 0xff, i >> 8]);
  return deviceIdFromKey(k);
});

function version(author: DeviceKey, path: string, vv: VersionVector, mtime = 1): FileVersion {
  return { kind: "deleted", path, mtime, modifiedBy: author.id, vv };
}

function entry(author: DeviceKey, seq: number, versions: FileVersion[]): Entry {
  const ops: Op[] = versions.map((v) => ({ type: "file.version", folder: "docs", version: v }));
  return { author, seq, prev: null, hlc: { wall: seq, counter: 0, node: author.hex }, ops };
}

/** `db`, counting the rows its statements on `file_versions` return. */
function countingRows(db: Db): { db: Db; rows: () => number } {
  let rows = 0;
  const wrap = <T extends object>(target: T, hook: (name: PropertyKey, f: unknown) => unknown) =>
    new Proxy(target, {
      get(t, name) {
        const v = Reflect.get(t, name, t);
        return typeof v === "function" ? hook(name, v.bind(t)) : v;
      },
    });
  const counted = wrap(db, (name, f) => {
    if (name !== "prepare") return f;
    return (sql: string) => {
      const stmt = (f as Db["prepare"])(sql);
      if (!sql.includes("FROM file_versions")) return stmt;
      return wrap(stmt, (n, g) => {
        if (n === "all") {
          return (...a: never[]) => {
            const r = (g as (...a: never[]) => unknown[])(...a);
            rows += r.length;
            return r;
          };
        }
        if (n === "get") {
          return (...a: never[]) => {
            const r = (g as (...a: never[]) => unknown)(...a);
            if (r !== undefined) rows++;
            return r;
          };
        }
        return g;
      });
    };
  });
  return { db: counted, rows: () => rows };
}

async function withDb(fn: (db: Db, path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-held-" });
  const path = `${dir}/state.db`;
  const db = await openWritable(path);
  try {
    await inTransaction(db, path, () => createSchema(db));
    await fn(db, path);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** As Home.#write runs a transaction: rows cached inside, dropped after, either way. */
async function write(db: Db, path: string, state: SqlState, fn: () => void): Promise<void> {
  let committed = false;
  try {
    await inTransaction(db, path, () => {
      state.cacheRows(true);
      fn();
      state.flush();
    });
    committed = true;
  } finally {
    state.cacheRows(false, committed);
  }
}

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

/**
 * The definition, with no fold: per path, the versions (by id) of the
 * entries no other one's vector is above, each with the smallest dot that
 * carried it.
 */
function maximalRows(entries: readonly Entry[]): string[] {
  const byId = new Map<string, { path: string; vv: VersionVector; dot: [string, number] }>();
  for (const e of entries) {
    for (const op of e.ops) {
      if (op.type !== "file.version") continue;
      const id = versionId(encodeFileVersion(op.version));
      const had = byId.get(id);
      const smaller = had === undefined || e.author.hex < had.dot[0] ||
        (e.author.hex === had.dot[0] && e.seq < had.dot[1]);
      if (smaller) {
        byId.set(id, { path: op.version.path, vv: op.version.vv, dot: [e.author.hex, e.seq] });
      }
    }
  }
  const out: string[] = [];
  for (const [id, v] of byId) {
    const above = [...byId.values()].some((w) =>
      w.path === v.path && compareVv(v.vv, w.vv) === "before"
    );
    if (!above) out.push(`${v.path} ${id} ${v.dot[0]} ${v.dot[1]}`);
  }
  return out.sort();
}

const sqlRows = (s: SqlState) =>
  [...s.folders().allVersions()].map(([, path, v]) => `${path} ${v.id} ${v.author} ${v.seq}`)
    .sort();

Deno.test("random versions of two paths, folded in any order in transactions some rolled back, some by another connection, some merged from a checkpoint, give the definition's rows and the in-memory fold's folder state", async () => {
  await withDb(async (db, path) => {
    const other = await openWritable(path);
    let rolledBack = 0, theirs = 0, merged = 0;
    try {
      for (let seed = 1; seed <= 12; seed++) {
        db.exec("DELETE FROM file_versions; DELETE FROM folder_frontier; DELETE FROM members");
        const random = rng(seed);
        const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
        const ours = new SqlState(db);
        const their = new SqlState(other);
        // Few devices and small counters: versions above, below, equal to and
        // concurrent with each other; the same bytes again in another entry.
        const made: FileVersion[][] = AUTHORS.map(() => []);
        const randomVersion = (ai: number) => {
          const a = AUTHORS[ai];
          if (made[ai].length > 0 && random() < 0.25) return pick(made[ai]);
          const vv = new Map([[a.id, 1 + Math.floor(random() * 3)]]);
          for (const d of OTHERS.slice(0, 3)) {
            if (random() < 0.5) vv.set(d, 1 + Math.floor(random() * 2));
          }
          const v = version(a, pick(["x", "y"]), vv, 1 + Math.floor(random() * 2));
          made[ai].push(v);
          return v;
        };
        const seqs = AUTHORS.map(() => 0);
        const all = Array.from({ length: 60 }, () => {
          const ai = Math.floor(random() * AUTHORS.length);
          const n = 1 + Math.floor(random() * 3);
          return entry(AUTHORS[ai], ++seqs[ai], Array.from({ length: n }, () => randomVersion(ai)));
        });
        // Folded in any order: the state is a function of the set.
        const todo = [...all].sort(() => random() - 0.5);
        const folded: Entry[] = [];
        while (todo.length > 0) {
          const batch = todo.splice(0, 1 + Math.floor(random() * 8));
          const r = random();
          if (r < 0.2) {
            rolledBack++;
            await assert.rejects(write(db, path, ours, () => {
              for (const e of batch) foldEntry(ours, e);
              throw new Error("rolled back");
            }));
            todo.push(...batch); // comes again later
          } else if (r < 0.4) {
            theirs++;
            await write(other, path, their, () => batch.forEach((e) => foldEntry(their, e)));
            folded.push(...batch);
          } else if (r < 0.55) {
            merged++; // a checkpoint of these entries and some already folded
            const cp = new MemoryState();
            for (const e of [...batch, ...folded.filter(() => random() < 0.3)]) foldEntry(cp, e);
            await write(db, path, ours, () => mergeState(ours, cp));
            folded.push(...batch);
          } else {
            await write(db, path, ours, () => batch.forEach((e) => foldEntry(ours, e)));
            folded.push(...batch);
          }
        }
        assert.deepEqual(sqlRows(ours), maximalRows(all), `seed ${seed}`);
        const mem = new MemoryState();
        for (const e of all) foldEntry(mem, e);
        // (The rest of the state is not a function of the set: `seen` is a log's frontier.)
        assert.deepEqual(
          [...folderLines(ours.folders())],
          [...folderLines(mem.folders())],
          `seed ${seed}`,
        );
      }
    } finally {
      other.close();
    }
    assert.ok(rolledBack > 5 && theirs > 5 && merged > 5, `${rolledBack} ${theirs} ${merged}`);
  });
});
