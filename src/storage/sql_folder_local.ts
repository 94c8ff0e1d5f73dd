/**
 * @module sql_folder_local
 * What this device keeps about its synced folders and never replicates:
 * which folders it syncs and where (`folder_local`), each path as last seen
 * on disk with the version it holds (`file_index`), where each chunk of an
 * indexed file lies (`chunk_locs`: to reuse chunks for other files and to
 * serve them), manifest blobs of large files (`blobs`), and files being
 * fetched (`transfers`: the temporary file and which chunks it holds, so a
 * transfer resumes after a crash).
 *
 * What a folder's info record holds (and the path lists kept in it) is
 * folder_info.ts.
 *
 * Reads work on any open home; the writing methods are called only inside
 * `Home.write` (HomeWriter hands this object out there).
 */

import { fromHex, toHex } from "../bytes.ts";
import type { FileIndex, IndexedEntry } from "../files/file_index.ts";
import type { Db } from "./db.ts";
import type { FolderInfo } from "./folder_info.ts";

/** A folder this device syncs. */
export interface LocalFolder {
  readonly folder: string;
  /** Absolute path of its root. */
  readonly root: string;
  /** When it was added or joined here (ms). */
  readonly added: number;
  readonly info: FolderInfo;
}

/** An index row: the disk state and the version it holds (its encoding). */
export interface IndexRow extends IndexedEntry {
  /** Encoding of the version on disk (null while it is not published yet). */
  readonly version: Uint8Array | null;
}

/** Where a chunk lies in an indexed file. */
export interface ChunkLoc {
  readonly folder: string;
  readonly path: string;
  readonly offset: number;
  readonly length: number;
}

/** A file being fetched. */
export interface TransferRow {
  readonly path: string;
  /** Id of the version being fetched. */
  readonly version: string;
  /** Name of the temporary file beside the target. */
  readonly temp: string;
  /** One bit per chunk of the file: written and synced to the temporary file. */
  readonly done: Uint8Array;
}

/**
 * Statements of `folder_left`, apart: a home made before that table gains it
 * on its first writable open only, and read-only commands must still work.
 */
function leftStatements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    left: p("SELECT root, token FROM folder_left WHERE folder = ?"),
    putLeft: p("INSERT OR REPLACE INTO folder_left VALUES (?, ?, ?)"),
    dropLeft: p("DELETE FROM folder_left WHERE folder = ?"),
    anyIndex: p("SELECT 1 FROM file_index WHERE folder = ? LIMIT 1"),
  };
}

/** Hashes asked about in one statement (SQLite allows 32,766 parameters). */
const HASHES_AT_ONCE = 500;

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    folders: p("SELECT folder, root, added, info FROM folder_local ORDER BY folder"),
    folder: p("SELECT folder, root, added, info FROM folder_local WHERE folder = ?"),
    putFolder: p("INSERT OR REPLACE INTO folder_local VALUES (?, ?, ?, ?)"),
    setInfo: p("UPDATE folder_local SET info = ? WHERE folder = ?"),
    dropFolder: p("DELETE FROM folder_local WHERE folder = ?"),
    dropAllIndex: p("DELETE FROM file_index WHERE folder = ?"),
    dropAllLocs: p("DELETE FROM chunk_locs WHERE folder = ?"),
    dropAllTransfers: p("DELETE FROM transfers WHERE folder = ?"),
    index: p(
      "SELECT path, kind, size, mtime, ino, ctime, exec, version FROM file_index" +
        " WHERE folder = ? ORDER BY path",
    ),
    indexRow: p(
      "SELECT path, kind, size, mtime, ino, ctime, exec, version FROM file_index" +
        " WHERE folder = ? AND path = ?",
    ),
    // Compared in place: a scan checks thousands of rows, none of them wanted back.
    indexRowIs: p(
      "SELECT kind = ? AND size = ? AND mtime = ? AND ino = ? AND ctime = ? AND exec = ?" +
        " AND version IS ? AS same FROM file_index WHERE folder = ? AND path = ?",
    ),
    putIndex: p("INSERT OR REPLACE INTO file_index VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
    dropIndex: p("DELETE FROM file_index WHERE folder = ? AND path = ?"),
    putLoc: p("INSERT OR IGNORE INTO chunk_locs VALUES (?, ?, ?, ?, ?)"),
    dropLocs: p("DELETE FROM chunk_locs WHERE folder = ? AND path = ?"),
    // Only folders synced here: a left folder's places are kept for a join
    // again, and must not crowd out the places that can be read.
    locs: p(
      "SELECT folder, path, offset, length FROM chunk_locs WHERE hash = ?" +
        " AND folder IN (SELECT folder FROM folder_local) LIMIT 8",
    ),
    blob: p("SELECT bytes FROM blobs WHERE hash = ?"),
    putBlob: p("INSERT OR IGNORE INTO blobs VALUES (?, ?)"),
    blobIds: p("SELECT hash FROM blobs"),
    dropBlob: p("DELETE FROM blobs WHERE hash = ?"),
    transfers: p("SELECT path, version, temp, done FROM transfers WHERE folder = ? ORDER BY path"),
    transfer: p("SELECT path, version, temp, done FROM transfers WHERE folder = ? AND path = ?"),
    putTransfer: p("INSERT OR REPLACE INTO transfers VALUES (?, ?, ?, ?, ?)"),
    dropTransfer: p("DELETE FROM transfers WHERE folder = ? AND path = ?"),
  };
}

interface IndexSql {
  path: string;
  kind: string;
  size: number;
  mtime: number;
  ino: number;
  ctime: number;
  exec: number;
  version: Uint8Array | null;
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
});

function folderOf(r: { folder: string; root: string; added: number; info: string }): LocalFolder {
  let info: FolderInfo = {};
  try {
    info = JSON.parse(r.info) as FolderInfo;
  } catch {
    // a damaged row reads as no local facts; the next scan rewrites it
  }
  return { folder: r.folder, root: r.root, added: r.added, info };
}

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

/**
 * The read side of {@link SqlFolderLocal}: what `Home.folderLocal` offers
 * (writes go through HomeWriter.folderLocal).
 */
export type FolderLocalView = Pick<
  SqlFolderLocal,
  | "folders"
  | "folder"
  | "index"
  | "indexRow"
  | "locs"
  | "withLocs"
  | "blob"
  | "blobIds"
  | "transfers"
  | "transfer"
>;

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
  ] as const;
}

/** Local folder records of one home. */
export class SqlFolderLocal {
  readonly #db: Db;
  #s?: ReturnType<typeof statements>;
  #ls?: ReturnType<typeof leftStatements>;
  #available = false;

  constructor(db: Db) {
    this.#db = db;
  }

  get #q(): ReturnType<typeof statements> {
    this.#s ??= statements(this.#db);
    return this.#s;
  }

  get #left(): ReturnType<typeof leftStatements> {
    this.#ls ??= leftStatements(this.#db);
    return this.#ls;
  }

  /** True when the home has the folder tables (a read-only home made before them has not). */
  get available(): boolean {
    // Once there, the tables stay (asked per chunk when serving: remember it).
    this.#available ||= this.#db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'folder_local'",
    ).get() !== undefined;
    return this.#available;
  }

  folders(): LocalFolder[] {
    if (!this.available) return [];
    return (this.#q.folders.all() as unknown as Parameters<typeof folderOf>[0][]).map(folderOf);
  }

  folder(id: string): LocalFolder | undefined {
    if (!this.available) return undefined;
    const r = this.#q.folder.get(id) as Parameters<typeof folderOf>[0] | undefined;
    return r && folderOf(r);
  }

  putFolder(f: LocalFolder): void {
    this.#q.putFolder.run(f.folder, f.root, f.added, JSON.stringify(f.info));
  }

  setInfo(id: string, info: FolderInfo): void {
    this.#q.setInfo.run(JSON.stringify(info), id);
  }

  /**
   * Stop syncing a folder here (its files stay): its record and transfers
   * go; its index and chunk places stay (nothing reads them while no record
   * names the folder's root), with where the folder was and the `token` the
   * caller wrote into it (LEFT_TOKEN_PATH; undefined when it could not), for
   * a later join there ({@link takeLeftIndex}). Without them every file
   * there came back as a new version nobody had seen: files deleted or
   * edited elsewhere meanwhile came back, or as conflict copies.
   */
  leaveFolder(id: string, token: string | undefined): void {
    const q = this.#q;
    const f = this.folder(id);
    if (f !== undefined) this.#left.putLeft.run(id, f.root, token ?? null);
    q.dropFolder.run(id);
    q.dropAllTransfers.run(id);
  }

  /**
   * Before a folder is joined (or added) at `root`: the index and chunk
   * places it had here are kept when it was left at that same path and the
   * folder there still holds the token written then (`token`, read by the
   * caller) — a token, not the directory's device and inode, which change
   * when a card is mounted again; dropped otherwise: they describe other
   * files (a folder deleted and made anew at that path holds other files
   * with the same names). True when they were kept.
   */
  takeLeftIndex(id: string, root: string, token: string | undefined): boolean {
    const q = this.#q, l = this.#left;
    const left = l.left.get(id) as { root: string; token: string | null } | undefined;
    l.dropLeft.run(id);
    const kept = left !== undefined && left.root === root && left.token !== null &&
      left.token === token && l.anyIndex.get(id) !== undefined;
    if (!kept) {
      q.dropAllIndex.run(id);
      q.dropAllLocs.run(id);
    }
    return kept;
  }

  /** The whole index of `folder`, by path. */
  index(folder: string): LoadedIndex {
    const rows = new Map<string, IndexRow>();
    for (const r of this.#q.index.all(folder) as unknown as IndexSql[]) rows.set(r.path, rowOf(r));
    return new LoadedIndex(rows);
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
    this.#q.putIndex.run(folder, row.path, ...indexValues(row));
  }

  dropIndex(folder: string, path: string): void {
    this.#q.dropIndex.run(folder, path);
    this.#q.dropLocs.run(folder, path);
  }

  /** Record where the chunks of `path` lie (replacing what was recorded for it). */
  setLocs(folder: string, path: string, chunks: readonly { hash: string; length: number }[]) {
    const q = this.#q;
    q.dropLocs.run(folder, path);
    let offset = 0;
    for (const c of chunks) {
      q.putLoc.run(fromHex(c.hash), folder, path, offset, c.length);
      offset += c.length;
    }
  }

  /** Up to 8 places where chunk `hash` lies. */
  locs(hash: string): ChunkLoc[] {
    if (!this.available) return [];
    return this.#q.locs.all(fromHex(hash)) as unknown as ChunkLoc[];
  }

  /**
   * Those of `hashes` that lie somewhere {@link locs} would find: one query
   * per {@link HASHES_AT_ONCE}, where asking each chunk's places was a
   * statement (and a read lock) per chunk of every file fetched.
   */
  withLocs(hashes: Iterable<string>): Set<string> {
    const out = new Set<string>();
    if (!this.available) return out;
    const all = [...new Set(hashes)];
    for (let at = 0; at < all.length; at += HASHES_AT_ONCE) {
      const part = all.slice(at, at + HASHES_AT_ONCE);
      const rows = this.#db.prepare(
        "SELECT DISTINCT hash FROM chunk_locs WHERE hash IN (" + part.map(() => "?").join(",") +
          ") AND folder IN (SELECT folder FROM folder_local)",
      ).all(...part.map(fromHex)) as { hash: Uint8Array }[];
      for (const r of rows) out.add(toHex(r.hash));
    }
    return out;
  }

  blob(hash: string): Uint8Array | undefined {
    if (!this.available) return undefined;
    return (this.#q.blob.get(fromHex(hash)) as { bytes: Uint8Array } | undefined)?.bytes;
  }

  putBlob(hash: string, bytes: Uint8Array): void {
    this.#q.putBlob.run(fromHex(hash), bytes);
  }

  /** Ids of every manifest blob held (for the sweep of those no version names: blob_sweep.ts). */
  blobIds(): string[] {
    if (!this.available) return [];
    return (this.#q.blobIds.all() as { hash: Uint8Array }[]).map((r) => toHex(r.hash));
  }

  dropBlob(hash: string): void {
    this.#q.dropBlob.run(fromHex(hash));
  }

  transfers(folder: string): TransferRow[] {
    return this.#q.transfers.all(folder) as unknown as TransferRow[];
  }

  transfer(folder: string, path: string): TransferRow | undefined {
    return this.#q.transfer.get(folder, path) as TransferRow | undefined;
  }

  putTransfer(folder: string, t: TransferRow): void {
    this.#q.putTransfer.run(folder, t.path, t.version, t.temp, t.done);
  }

  dropTransfer(folder: string, path: string): void {
    this.#q.dropTransfer.run(folder, path);
  }
}

/** Hex of a chunk id from its stored bytes. */
export const hashHex = (b: Uint8Array): string => toHex(b);
