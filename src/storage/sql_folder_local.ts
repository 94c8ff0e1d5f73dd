/**
 * @module sql_folder_local
 * What this device keeps about its synced folders and never replicates, as
 * one object (`Home.folderLocal`): here, which folders it syncs and where
 * (`folder_local`), and a left folder's place for a join there again
 * (`folder_left`); each folder's index of paths as last seen on disk is
 * sql_file_index.ts, where chunks lie, manifest blobs and transfers
 * sql_folder_content.ts (the classes this one builds on).
 *
 * What a folder's info record holds (and the path lists kept in it) is
 * folder_info.ts.
 *
 * Reads work on any open home; the writing methods are called only inside
 * `Home.write` (HomeWriter hands this object out there).
 */

import type { Db } from "./db.ts";
import type { FolderInfo } from "./folder_info.ts";
import { SqlFileIndex } from "./sql_file_index.ts";
import { type MovedNotesView, SqlMovedNotes } from "./sql_moved_notes.ts";

export { type IndexRow, LoadedIndex } from "./sql_file_index.ts";
export { type ChunkLoc, hashHex, type TransferRow } from "./sql_folder_content.ts";

/** A folder this device syncs. */
export interface LocalFolder {
  readonly folder: string;
  /** Absolute path of its root. */
  readonly root: string;
  /** When it was added or joined here (ms). */
  readonly added: number;
  readonly info: FolderInfo;
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
  };
}

function folderOf(r: { folder: string; root: string; added: number; info: string }): LocalFolder {
  let info: FolderInfo = {};
  try {
    info = JSON.parse(r.info) as FolderInfo;
  } catch {
    // a damaged row reads as no local facts; the next scan rewrites it
  }
  return { folder: r.folder, root: r.root, added: r.added, info };
}

/**
 * The read side of {@link SqlFolderLocal}: what `Home.folderLocal` offers
 * (writes go through HomeWriter.folderLocal).
 */
export type FolderLocalView = FolderLocalReads & { readonly moved: MovedNotesView };

type FolderLocalReads = Pick<
  SqlFolderLocal,
  | "folders"
  | "folder"
  | "index"
  | "indexRow"
  | "indexRows"
  | "locs"
  | "withLocs"
  | "blob"
  | "blobIds"
  | "transfers"
  | "transfer"
>;

/** Local folder records of one home, with their indexes and content places. */
export class SqlFolderLocal extends SqlFileIndex {
  readonly #db: Db;
  #s?: ReturnType<typeof statements>;
  #ls?: ReturnType<typeof leftStatements>;
  /** The "now at" notes of kept versions dropped for their content being elsewhere. */
  readonly moved: SqlMovedNotes;

  constructor(db: Db) {
    super(db);
    this.#db = db;
    this.moved = new SqlMovedNotes(db);
  }

  get #q(): ReturnType<typeof statements> {
    this.#s ??= statements(this.#db);
    return this.#s;
  }

  get #left(): ReturnType<typeof leftStatements> {
    this.#ls ??= leftStatements(this.#db);
    return this.#ls;
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
    // Where dropped content went is said of a folder synced here only.
    this.moved.dropFolder(id);
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
}
