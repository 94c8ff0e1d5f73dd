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

/** The schema version of `db` (0 for an empty database). */
export function schemaVersion(db: Db): number {
  return Number((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version);
}

/** Create every table in an empty database (inside the caller's transaction). */
export function createSchema(db: Db): void {
  db.exec(DDL);
  db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
}
