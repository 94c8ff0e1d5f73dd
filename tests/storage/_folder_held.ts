/**
 * @module _folder_held
 * Shared pieces of the tests of the fold's view of a path's versions in the
 * home's tables (folder_held_rows_test.ts, folder_held_random_test.ts):
 * made-up versions and entries, a database that counts the rows read from
 * `file_versions`, and a write transaction run as Home.write runs it.
 */

import type { FileVersion } from "../../src/log/file_version.ts";
import type { VersionVector } from "../../src/log/version_vector.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Entry } from "../../src/log/entry.ts";
import type { Op } from "../../src/log/ops.ts";
import { type Db, inTransaction, openWritable } from "../../src/storage/db.ts";
import { createSchema } from "../../src/storage/schema.ts";
import type { SqlState } from "../../src/storage/sql_state.ts";

export const AUTHORS = [1, 2].map((i) => DeviceKey.of(new Uint8Array(32).fill(i)));
/** Made-up devices the vectors name besides the author. */
export const OTHERS = Array.from({ length: 300 }, (_, i) => {
  const k = new Uint8Array(32);
  k.set([0xee, i & 0xff, i >> 8]);
  return deviceIdFromKey(k);
});

export function version(
  author: DeviceKey,
  path: string,
  vv: VersionVector,
  mtime = 1,
): FileVersion {
  return { kind: "deleted", path, mtime, modifiedBy: author.id, vv };
}

export function entry(author: DeviceKey, seq: number, versions: FileVersion[]): Entry {
  const ops: Op[] = versions.map((v) => ({ type: "file.version", folder: "docs", version: v }));
  return { author, seq, prev: null, hlc: { wall: seq, counter: 0, node: author.hex }, ops };
}

/** `db`, counting the rows its statements on `file_versions` return. */
export function countingRows(db: Db): { db: Db; rows: () => number } {
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

export async function withDb(fn: (db: Db, path: string) => Promise<void>): Promise<void> {
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
export async function write(db: Db, path: string, state: SqlState, fn: () => void): Promise<void> {
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
