/**
 * @module schema
 * The tables of a home (schema version in `PRAGMA user_version`).
 *
 * Log: `entries` holds every entry folded into the state, raw and signed,
 * keyed by (author, seq); `heads` the end of each author's chain (and `base`:
 * entries at or below it may be absent, covered by a checkpoint); `aside`
 * what is kept but not folded (the other branch of a fork, entries past a
 * removal cut, entries whose author is no longer admitted) with `forks` the
 * reports. State: `versions`/`parked`/`floors` (dotted keys, src/crdt/dotted.ts),
 * `seen` (fold frontier), `apps`, `members` (membership.ts, one JSON row per
 * device); `base_state` the checkpoint a refold starts from. Local, never
 * replicated: `meta` (who we are, our clock), `peers` (bookkeeping), `local`
 * (small records such as the mesh interface we manage).
 *
 * Synced folders ({@link FOLDER_DDL}, created idempotently, so a home made
 * before them gains them on its first writable open): state `folder_shares`,
 * `folder_devices`, `file_versions`, `folder_frontier` (src/log/folder_state.ts;
 * cleared and refolded with the rest); local `folder_local` (which folders
 * this device syncs, where), `file_index` (each path as last seen on disk and
 * the version it holds), `chunk_locs` (where each chunk of an indexed file
 * is, to reuse and serve it), `blobs` (manifest blobs of large files),
 * `transfers` (files being fetched, resumable), `folder_left` (folders
 * left here and where they were: their index is kept for a join at the same
 * place, src/storage/sql_folder_local.ts).
 *
 * Local and made on first use, not here: `first_messages`, the first
 * handshake messages `sync serve --stdio` took (first_messages.ts);
 * `moved_notes` and `moved_notes_cut`, where the content of kept versions
 * dropped by a round went (sql_moved_notes.ts).
 */

import type { Db } from "./db.ts";

/** The schema version this mycel writes. */
export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE meta (k TEXT PRIMARY KEY, v ANY) WITHOUT ROWID;
CREATE TABLE entries (
  author BLOB NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (author, seq)) WITHOUT ROWID;
CREATE TABLE heads (
  author BLOB PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL,
  base INTEGER NOT NULL DEFAULT 0, base_hash BLOB) WITHOUT ROWID;
CREATE TABLE aside (
  author BLOB NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL, reason TEXT NOT NULL,
  bytes BLOB NOT NULL, at INTEGER NOT NULL,
  PRIMARY KEY (author, seq, hash)) WITHOUT ROWID;
CREATE TABLE forks (
  author BLOB PRIMARY KEY, seq INTEGER NOT NULL, kept BLOB NOT NULL, other BLOB NOT NULL,
  at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE versions (
  space TEXT NOT NULL, key TEXT NOT NULL, author TEXT NOT NULL, seq INTEGER NOT NULL,
  wall INTEGER NOT NULL, counter INTEGER NOT NULL, value TEXT, legacy INTEGER NOT NULL,
  PRIMARY KEY (space, key, author, seq)) WITHOUT ROWID;
CREATE TABLE parked (
  space TEXT NOT NULL, key TEXT NOT NULL, author TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (space, key, author, seq)) WITHOUT ROWID;
CREATE INDEX parked_by_author ON parked (author, seq);
CREATE TABLE floors (
  space TEXT NOT NULL, key TEXT NOT NULL, wall INTEGER NOT NULL, counter INTEGER NOT NULL,
  node TEXT NOT NULL, PRIMARY KEY (space, key)) WITHOUT ROWID;
CREATE TABLE seen (author TEXT PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE apps (name TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE members (key BLOB PRIMARY KEY, row TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE base_state (id INTEGER PRIMARY KEY CHECK (id = 1), bytes BLOB NOT NULL);
CREATE TABLE peers (key BLOB PRIMARY KEY, book TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE local (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
`;

/** Folders this device left, and where they were (added after the others). */
const FOLDER_LEFT_DDL = `CREATE TABLE IF NOT EXISTS folder_left (folder TEXT PRIMARY KEY,
  root TEXT NOT NULL, token TEXT) WITHOUT ROWID;
`;

/** Tables of synced folders (see the module comment); every statement is idempotent. */
export const FOLDER_DDL = `
CREATE TABLE IF NOT EXISTS folder_shares (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, wall INTEGER NOT NULL, counter INTEGER NOT NULL,
  author TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folder_devices (
  folder TEXT NOT NULL, device TEXT NOT NULL, joined_seq INTEGER NOT NULL, joined INTEGER NOT NULL,
  progress_seq INTEGER NOT NULL, progress TEXT, PRIMARY KEY (folder, device)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_versions (
  folder TEXT NOT NULL, path TEXT NOT NULL, id TEXT NOT NULL, author TEXT NOT NULL,
  seq INTEGER NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY (folder, path, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folder_frontier (
  folder TEXT NOT NULL, author TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (folder, author)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS folder_local (folder TEXT PRIMARY KEY, root TEXT NOT NULL,
  added INTEGER NOT NULL, info TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_index (
  folder TEXT NOT NULL, path TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL,
  mtime INTEGER NOT NULL, ino INTEGER NOT NULL, ctime INTEGER NOT NULL, exec INTEGER NOT NULL,
  version BLOB, racy INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (folder, path)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS chunk_locs (
  hash BLOB NOT NULL, folder TEXT NOT NULL, path TEXT NOT NULL, offset INTEGER NOT NULL,
  length INTEGER NOT NULL, PRIMARY KEY (hash, folder, path, offset)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_locs_by_path ON chunk_locs (folder, path);
CREATE TABLE IF NOT EXISTS blobs (hash BLOB PRIMARY KEY, bytes BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transfers (
  folder TEXT NOT NULL, path TEXT NOT NULL, version TEXT NOT NULL, temp TEXT NOT NULL,
  done BLOB NOT NULL, PRIMARY KEY (folder, path)) WITHOUT ROWID;
${FOLDER_LEFT_DDL}`;

/** Tables of folder state a refold clears (see refold.ts). */
export const FOLDER_STATE_TABLES = [
  "folder_shares",
  "folder_devices",
  "file_versions",
  "folder_frontier",
] as const;

/** Create the folder tables when missing (a home made before them). */
export function ensureFolderTables(db: Db): void {
  const have = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'transfers'")
    .get();
  if (have === undefined) db.exec(FOLDER_DDL);
  const left = db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'folder_left'",
  ).get();
  // A table of another shape (a development build's, for a day) is remade:
  // it only holds which folders were left, and where.
  const token = left !== undefined &&
    db.prepare("SELECT 1 FROM pragma_table_info('folder_left') WHERE name = 'token'").get();
  if (left !== undefined && !token) db.exec("DROP TABLE folder_left");
  if (left === undefined || !token) db.exec(FOLDER_LEFT_DDL);
  // \`racy\` came after: a home's rows from before are trusted, as they were
  // (none is read again for it), and rows written from now on say it.
  const racy = db.prepare("SELECT 1 FROM pragma_table_info('file_index') WHERE name = 'racy'")
    .get();
  if (racy === undefined) {
    db.exec("ALTER TABLE file_index ADD COLUMN racy INTEGER NOT NULL DEFAULT 0");
  }
}

/** The schema version of `db` (0 for an empty database). */
export function schemaVersion(db: Db): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

/** Create every table in an empty database (inside the caller's transaction). */
export function createSchema(db: Db): void {
  db.exec(DDL);
  db.exec(FOLDER_DDL);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}
