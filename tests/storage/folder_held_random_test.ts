/**
 * The fold's view of a path's versions in the home's tables
 * (src/log/folder_held.ts) changes nothing the fold produces: random
 * versions, folded in any order in write transactions some rolled back,
 * some by another connection, some merged from a checkpoint, give the rows
 * the definition gives (computed with no fold) and the in-memory fold's
 * folder state.
 */

import assert from "node:assert/strict";
import { encodeFileVersion } from "../../src/log/file_version_codec.ts";
import type { FileVersion } from "../../src/log/file_version.ts";
import { compareVv, type VersionVector } from "../../src/log/version_vector.ts";
import type { Entry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import { versionId } from "../../src/log/folder_state.ts";
import { folderLines } from "../../src/log/state_digest.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { openWritable } from "../../src/storage/db.ts";
import { SqlState } from "../../src/storage/sql_state.ts";
import { rng } from "../helpers/random.ts";
import { AUTHORS, entry, OTHERS, version, withDb, write } from "./_folder_held.ts";

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
