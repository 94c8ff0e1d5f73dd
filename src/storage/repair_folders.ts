/**
 * @module repair_folders
 * What `repair` carries of the folders synced here besides where they are
 * (folder_local): each folder's file index (what the disk held, by which
 * version), its chunk places, its resumable transfers, the manifest blobs,
 * and the folders left here. None of it is replicated, so a peer can't give
 * it back. Without the index, the first scan after a repair took every file
 * on disk for a new version with no ancestry: a file a peer had edited since
 * became a conflict copy of the old content everywhere, and a deletion made
 * elsewhere was undone everywhere (a chaos soak). The "now at" notes of a
 * folder synced here (sql_moved_notes.ts) too: they were a local record,
 * carried with the others, until they became rows.
 *
 * Read row by row from the damaged database (a table that can't be read is
 * left out: the next scan rebuilds it, as before); an index row whose version
 * does not decode, or a blob whose bytes do not hash to its id, is dropped.
 */

import { toHex } from "../bytes.ts";
import { loadBlake3 } from "../files/chunk_hash.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { Db } from "./db.ts";
import { makeMovedNotesTables } from "./sql_moved_notes.ts";

type Row = (string | number | Uint8Array | null)[];

/** Rows of the folder tables, as read from a damaged home. */
export interface FolderTables {
  readonly index: Row[];
  readonly locs: Row[];
  readonly transfers: Row[];
  readonly left: Row[];
  readonly blobs: Row[];
  readonly notes: Row[];
  readonly notesCut: Row[];
}

/** Read `sql` (a table's rows, in column order), or nothing when it can't be read. */
function rows(db: Db, sql: string, ...args: string[]): Row[] {
  try {
    return (db.prepare(sql).all(...args) as Record<string, unknown>[]).map((r) =>
      Object.values(r) as Row
    );
  } catch {
    return [];
  }
}

/**
 * The file index's columns in the table's order now: `racy` came last, later,
 * and a home from before it has none (its rows were trusted: 0).
 */
function indexColumns(db: Db): string {
  const racy = rows(db, "SELECT 1 FROM pragma_table_info('file_index') WHERE name = 'racy'");
  return `folder, path, kind, size, mtime, ino, ctime, exec, version, ${
    racy.length ? "racy" : "0"
  }`;
}

/** Read the folder tables of `folders` (ids) from the damaged `db`. */
export function salvageFolders(db: Db, folders: readonly string[]): FolderTables {
  const out: FolderTables = {
    index: [],
    locs: [],
    transfers: [],
    left: [],
    blobs: [],
    notes: [],
    notesCut: [],
  };
  const index = `SELECT ${indexColumns(db)} FROM file_index WHERE folder = ?`;
  for (const f of folders) {
    out.index.push(...rows(db, index, f));
    out.locs.push(...rows(db, "SELECT * FROM chunk_locs WHERE folder = ?", f));
    out.transfers.push(...rows(db, "SELECT * FROM transfers WHERE folder = ?", f));
    const notes = "SELECT folder, nth, path, kept, size, key, at FROM moved_notes WHERE folder = ?";
    out.notes.push(...rows(db, notes, f));
    out.notesCut.push(...rows(db, "SELECT * FROM moved_notes_cut WHERE folder = ?", f));
  }
  out.left.push(...rows(db, "SELECT folder, root, token FROM folder_left"));
  for (const r of out.left) {
    const f = String(r[0]);
    out.index.push(...rows(db, index, f));
    out.locs.push(...rows(db, "SELECT * FROM chunk_locs WHERE folder = ?", f));
  }
  out.blobs.push(...rows(db, "SELECT hash, bytes FROM blobs"));
  return out;
}

/** Write what {@link salvageFolders} read into the new database (inside its transaction). */
export async function restoreFolders(db: Db, t: FolderTables): Promise<void> {
  const put = (table: string, list: Row[], ok: (r: Row) => boolean = () => true) => {
    if (list.length === 0) return;
    const stmt = db.prepare(
      `INSERT OR REPLACE INTO ${table} VALUES (${list[0].map(() => "?").join(", ")})`,
    );
    for (const r of list) {
      if (!ok(r)) continue;
      try {
        stmt.run(...r);
      } catch {
        // a row of another shape (a column count the new table lacks): left out
      }
    }
  };
  put("file_index", t.index, (r) => {
    const version = r[8];
    if (version === null) return true;
    try {
      decodeFileVersion(version as Uint8Array);
      return true;
    } catch {
      return false;
    }
  });
  put("chunk_locs", t.locs);
  put("transfers", t.transfers);
  put("folder_left", t.left);
  if (t.notes.length > 0 || t.notesCut.length > 0) makeMovedNotesTables(db);
  put("moved_notes (folder, nth, path, kept, size, key, at)", t.notes);
  put("moved_notes_cut", t.notesCut);
  const blake3 = await loadBlake3();
  put("blobs", t.blobs, (r) => {
    const [hash, bytes] = r;
    return hash instanceof Uint8Array && bytes instanceof Uint8Array &&
      blake3(bytes) === toHex(hash);
  });
}
