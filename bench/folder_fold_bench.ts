/**
 * @module folder_fold_bench
 * Folding one entry of N pairwise-concurrent versions of one path (deletions,
 * each vector `{author: 1, made-up device i: 1}`, ~126 bytes an op): what a
 * hostile member can make every device fold (tests/log/
 * concurrent_versions_fold_cost_test.ts). N = 8,000 is about a 1 MiB entry,
 * the largest there is.
 * - "memory": `foldEntry` into a fresh `MemoryState`;
 * - "SQLite": the same into the home's tables (`SqlState`, in a
 *   transaction with its rows cached, as a write transaction does; rolled
 *   back, not committed);
 * - "merge": `mergeState` of the memory state into an empty one (a
 *   checkpoint's merge);
 * - "entries, memory" / "entries, SQLite": N entries of ONE such version
 *   each (seqs 1..N of one author), folded one by one as a session's
 *   entries are (SQLite: all in one transaction, rolled back). Each entry's
 *   version is compared with every version already held at the path, so
 *   this grows with N² (issue 13; docs/folders.md "File versions"); the
 *   path's rows are read once a transaction (src/log/folder_held.ts);
 * - "entries, comparisons only": those N versions' vectors added one by one
 *   to an in-memory maximal set with `compareVv`, no row read, no decode —
 *   the floor of any speed-up that keeps the present rule: still N²/2
 *   comparisons.
 * Entries are not signed: this measures the fold.
 *
 *     deno bench -A bench/folder_fold_bench.ts
 *     deno bench -A --filter entries bench/folder_fold_bench.ts
 */

import { DeviceKey } from "../src/log/device_key.ts";
import { deviceIdFromKey } from "../src/log/device_id.ts";
import { compareVv, type VersionVector } from "../src/log/version_vector.ts";
import type { Entry } from "../src/log/entry.ts";
import { foldEntry } from "../src/log/fold.ts";
import { generateDeviceKeys } from "../src/log/identity.ts";
import type { Op } from "../src/log/ops.ts";
import { mergeState } from "../src/log/state_merge.ts";
import { MemoryState } from "../src/log/state_memory.ts";
import { inTransaction, openWritable } from "../src/storage/db.ts";
import { createSchema } from "../src/storage/schema.ts";
import { SqlState } from "../src/storage/sql_state.ts";

const author = DeviceKey.of((await generateDeviceKeys()).signPublic);

function entryOf(n: number): Entry {
  const ops: Op[] = Array.from({ length: n }, (_, i) => {
    const k = new Uint8Array(32);
    k.set([n & 0xff, n >> 8, i & 0xff, i >> 8]);
    return {
      type: "file.version",
      folder: "docs",
      version: {
        kind: "deleted",
        path: "p",
        mtime: 1,
        modifiedBy: author.id,
        vv: new Map([[author.id, 1], [deviceIdFromKey(k), 1]]),
      },
    };
  });
  return { author, seq: 1, prev: null, hlc: { wall: 1, counter: 0, node: author.hex }, ops };
}

// One database for the run; each fold is rolled back, so each starts from
// empty folder tables (and the commit's write is not measured).
const dbPath = await Deno.makeTempFile({ prefix: "mycel-folder-fold-bench-", suffix: ".db" });
await Deno.remove(dbPath);
const db = await openWritable(dbPath);
await inTransaction(db, dbPath, () => createSchema(db));
globalThis.addEventListener("unload", () => {
  db.close();
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    try {
      Deno.removeSync(f);
    } catch { /* not made */ }
  }
});

function foldSql(...es: Entry[]): void {
  db.exec("BEGIN IMMEDIATE");
  const state = new SqlState(db);
  try {
    state.cacheRows(true); // as Home.write runs a transaction
    for (const e of es) foldEntry(state, e);
    state.flush();
  } finally {
    db.exec("ROLLBACK");
    state.cacheRows(false);
  }
}

/** `n` entries (seqs 1..n) of one version each of path "one", pairwise concurrent. */
function oneVersionEntries(n: number): Entry[] {
  return Array.from({ length: n }, (_, i) => {
    const k = new Uint8Array(32);
    k.set([0xee, n & 0xff, n >> 8, i & 0xff, i >> 8]);
    const op: Op = {
      type: "file.version",
      folder: "docs",
      version: {
        kind: "deleted",
        path: "one",
        mtime: 1,
        modifiedBy: author.id,
        vv: new Map([[author.id, 1], [deviceIdFromKey(k), 1]]),
      },
    };
    return {
      author,
      seq: i + 1,
      prev: null,
      hlc: { wall: 1, counter: i, node: author.hex },
      ops: [op],
    };
  });
}

for (const n of [250, 500, 1000, 2000, 8000]) {
  const e = entryOf(n);
  const folded = new MemoryState();
  foldEntry(folded, e);
  if (folded.folders().versionsAt("docs", "p").length !== n) throw new Error("not all kept");
  Deno.bench({
    name: `memory, ${n} versions`,
    group: "memory",
    fn: () => void foldEntry(new MemoryState(), e),
  });
  Deno.bench({ name: `SQLite, ${n} versions`, group: "SQLite", fn: () => foldSql(e) });
  Deno.bench({
    name: `merge, ${n} versions`,
    group: "merge",
    fn: () => void mergeState(new MemoryState(), folded),
  });
}

for (const n of [1000, 2000, 4000]) {
  const es = oneVersionEntries(n);
  const folded = new MemoryState();
  for (const e of es) foldEntry(folded, e);
  if (folded.folders().versionsAt("docs", "one").length !== n) throw new Error("not all kept");
  Deno.bench({
    name: `entries, memory, ${n} entries`,
    group: "entries, memory",
    n: 3, // quadratic (issue 13): seconds a run
    warmup: 1,
    fn: () => {
      const s = new MemoryState();
      for (const e of es) foldEntry(s, e);
    },
  });
  Deno.bench({
    name: `entries, SQLite, ${n} entries`,
    group: "entries, SQLite",
    n: 3,
    warmup: 1,
    fn: () => foldSql(...es),
  });
  const vvs = es.map((e) => (e.ops[0] as Extract<Op, { type: "file.version" }>).version.vv);
  Deno.bench({
    name: `entries, comparisons only, ${n} entries`,
    group: "entries, comparisons only",
    fn: () => {
      if (maximalSet(vvs).length !== n) throw new Error("not all kept");
    },
  });
}

/** `vvs` added one by one to a maximal set, as addVersions compares them (no rows, no decodes). */
function maximalSet(vvs: readonly VersionVector[]): VersionVector[] {
  let held: VersionVector[] = [];
  for (const x of vvs) {
    const keep: VersionVector[] = [];
    let dominated = false;
    for (const y of held) {
      const order = compareVv(x, y);
      if (order === "before") {
        dominated = true;
        break;
      }
      if (order !== "after") keep.push(y);
    }
    if (!dominated) held = [...keep, x];
  }
  return held;
}
