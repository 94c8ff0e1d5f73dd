/**
 * @module sql_file_index
 * Each synced folder's index on this device (`file_index`, never
 * replicated): every path as last seen on disk — kind, size, mtime, inode,
 * ctime, exec bit — with the version it holds, so a scan skips unchanged
 * files and tells what changed since (`racy`: the stat was taken too soon
 * after the change to show a later one, scan_file.ts `racyStat`; the next
 * scan reads the file). Dropping a row drops where its
 * chunks lie (sql_folder_content.ts) with it.
 */

import type { FileIndex, IndexedEntry } from "../files/file_index.ts";
import type { Db } from "./db.ts";
import { SqlFolderContent } from "./sql_folder_content.ts";

/**
 * What a pass over a whole folder's index reads of each row (`folder
 * status`): what it holds, and the stat that says whether its file is still
 * as scanned; not its ctime, exec bit or racy mark.
 */
export type IndexHeld = Pick<IndexRow, "path" | "kind" | "size" | "mtimeMs" | "ino" | "version">;

/** An index row: the disk state and the version it holds (its encoding). */
export interface IndexRow extends IndexedEntry {
  /** Encoding of the version on disk (null while it is not published yet). */
  readonly version: Uint8Array | null;
}

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  // A home opened read-only before its first writable open since `racy`
  // came has no such column: its rows are trusted, as they were.
  const racy = db.prepare("SELECT 1 FROM pragma_table_info('file_index') WHERE name = 'racy'")
      .get() === undefined
    ? "0"
    : "racy";
  const columns = `path, kind, size, mtime, ino, ctime, exec, version, ${racy} AS racy`;
  return {
    index: p(`SELECT ${columns} FROM file_index WHERE folder = ? ORDER BY path`),
    indexRow: p(`SELECT ${columns} FROM file_index WHERE folder = ? AND path = ?`),
    // Rows as arrays, only the columns a pass needs (IndexHeld): an object
    // per row of node:sqlite's, read column by column into another, was a
    // tenth of a status of 100,000 files.
    heldPage: arrays(p(
      "SELECT path, kind, size, mtime, ino, version FROM file_index" +
        " WHERE folder = ? AND path > ? ORDER BY path LIMIT ?",
    )),
    // Compared in place: a scan checks thousands of rows, none of them wanted back.
    indexRowIs: p(
      "SELECT kind = ? AND size = ? AND mtime = ? AND ino = ? AND ctime = ? AND exec = ?" +
        ` AND version IS ? AND ${racy} = ? AS same FROM file_index WHERE folder = ? AND path = ?`,
    ),
    dropIndex: p("DELETE FROM file_index WHERE folder = ? AND path = ?"),
  };
}

const PAGE = 1000;

function arrays(s: ReturnType<Db["prepare"]>): ReturnType<Db["prepare"]> {
  s.setReturnArrays(true);
  return s;
}

type HeldSql = [string, IndexRow["kind"], number, number, number, Uint8Array | null];

interface IndexSql {
  path: string;
  kind: string;
  size: number;
  mtime: number;
  ino: number;
  ctime: number;
  exec: number;
  version: Uint8Array | null;
  racy: number;
}

const rowOf = (r: IndexSql): IndexRow => ({
  path: r.path,
  kind: r.kind as "file" | "symlink",
  size: r.size,
  mtimeMs: r.mtime,
  ino: r.ino,
  ctimeMs: r.ctime,
  exec: r.exec === 1,
  version: r.version,
  racy: r.racy === 1,
});

/** A loaded index of one folder (the scan's view). */
export class LoadedIndex implements FileIndex {
  readonly rows: Map<string, IndexRow>;

  constructor(rows: Map<string, IndexRow>) {
    this.rows = rows;
  }

  get(path: string): IndexedEntry | undefined {
    return this.rows.get(path);
  }

  paths(): Iterable<string> {
    return this.rows.keys();
  }

  get size(): number {
    return this.rows.size;
  }
}

/** A row's columns after (folder, path), in the table's order. */
function indexValues(row: IndexRow) {
  return [
    row.kind,
    row.size,
    row.mtimeMs,
    row.ino,
    row.ctimeMs,
    row.exec ? 1 : 0,
    row.version,
    row.racy === true ? 1 : 0,
  ] as const;
}

/** The folders' index rows of one home, with the content places beneath (SqlFolderLocal builds on it). */
export class SqlFileIndex extends SqlFolderContent {
  readonly #db: Db;
  #s?: ReturnType<typeof statements>;
  #put?: ReturnType<Db["prepare"]>;

  constructor(db: Db) {
    super(db);
    this.#db = db;
  }

  get #q(): ReturnType<typeof statements> {
    this.#s ??= statements(this.#db);
    return this.#s;
  }

  /** The whole index of `folder`, by path. */
  index(folder: string): LoadedIndex {
    const rows = new Map<string, IndexRow>();
    for (const r of this.#q.index.all(folder) as unknown as IndexSql[]) rows.set(r.path, rowOf(r));
    return new LoadedIndex(rows);
  }

  /**
   * The index of `folder` row by row, by path in SQLite's order (code
   * point: the order of their UTF-8 bytes), none kept: for one pass over a
   * large folder alongside its state (`folder status`), where a map of it
   * would be 100,000 rows held to the end.
   */
  *indexRows(folder: string): Generator<IndexHeld> {
    // By pages: node:sqlite's row-by-row iterate() cost 8 µs a row (1.6 s of 200,000).
    let after = "";
    for (;;) {
      const rows = this.#q.heldPage.all(folder, after, PAGE) as unknown as HeldSql[];
      for (const [path, kind, size, mtimeMs, ino, version] of rows) {
        yield { path, kind, size, mtimeMs, ino, version };
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1][0];
    }
  }

  indexRow(folder: string, path: string): IndexRow | undefined {
    const r = this.#q.indexRow.get(folder, path) as IndexSql | undefined;
    return r && rowOf(r);
  }

  /** True when `path`'s index row in `folder` is `row` (undefined: there is none). */
  indexRowIs(folder: string, path: string, row: IndexRow | undefined): boolean {
    if (row === undefined) return this.#q.indexRow.get(folder, path) === undefined;
    const r = this.#q.indexRowIs.get(...indexValues(row), folder, path) as
      | { same: number }
      | undefined;
    return r?.same === 1;
  }

  putIndex(folder: string, row: IndexRow): void {
    // Made at the first write: only a writable handle writes, and its home has `racy`.
    this.#put ??= this.#db.prepare(
      "INSERT OR REPLACE INTO file_index" +
        " (folder, path, kind, size, mtime, ino, ctime, exec, version, racy)" +
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#put.run(folder, row.path, ...indexValues(row));
  }

  dropIndex(folder: string, path: string): void {
    this.#q.dropIndex.run(folder, path);
    this.setLocs(folder, path, []); // its chunks lie there no more
  }
}
