/**
 * @module sql_folder_content
 * Where synced folders' content can be found again on this device, never
 * replicated (for sql_folder_local.ts): where each chunk of an indexed file
 * lies (`chunk_locs`: to reuse chunks for other files and to serve them),
 * manifest blobs of large files (`blobs`), and files being fetched
 * (`transfers`: the temporary file and which chunks it holds, so a transfer
 * resumes after a crash). Statements are prepared on first use: a read-only
 * home made before the folder tables has none ({@link SqlFolderContent.available}).
 */

import { fromHex, toHex } from "../bytes.ts";
import type { Db } from "./db.ts";

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

/** Hashes asked about in one statement (SQLite allows 32,766 parameters). */
const HASHES_AT_ONCE = 500;

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
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

/** Chunk places, manifest blobs and transfers of one home (SqlFolderLocal builds on it). */
export class SqlFolderContent {
  readonly #db: Db;
  #s?: ReturnType<typeof statements>;
  #available = false;

  constructor(db: Db) {
    this.#db = db;
  }

  get #q(): ReturnType<typeof statements> {
    this.#s ??= statements(this.#db);
    return this.#s;
  }

  /** True when the home has the folder tables (a read-only home made before them has not). */
  get available(): boolean {
    // Once there, the tables stay (asked per chunk when serving: remember it).
    this.#available ||= this.#db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'folder_local'",
    ).get() !== undefined;
    return this.#available;
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
