/**
 * @module sql_moved_notes
 * The "now at" notes of kept versions a round dropped because their content
 * was at another path (src/sync/moved_kept.ts), one row each in
 * `moved_notes`: a path's notes are read by an index seek, and a round adds
 * its own and drops those past the retention or past the cap without
 * reading the others. Before, they were one JSON local record (`movedKept`)
 * holding every folder's notes, read whole by each `folder versions` and
 * rewritten whole by each round that noted one: up to 10,000 notes a folder,
 * two paths each, tens of MB for a large folder of long paths.
 *
 * `nth` numbers a folder's notes in the order they were added, so the cap
 * drops the oldest added by a range delete. How many the cap dropped, and
 * the newest time kept among them, is kept per folder (`moved_notes_cut`),
 * so the commands that list notes can say that older ones are missing.
 *
 * The tables are made on first write (inside its transaction), which takes
 * over a `movedKept` record of an earlier release; a home never written
 * since is read from that record, so reads work on any home.
 */

import type { Db } from "./db.ts";
import type { MovedKeptNote } from "./sql_local.ts";

const DDL = `CREATE TABLE IF NOT EXISTS moved_notes (
  folder TEXT NOT NULL, nth INTEGER NOT NULL, path TEXT NOT NULL, kept INTEGER NOT NULL,
  size INTEGER NOT NULL, key TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (folder, nth));
CREATE INDEX IF NOT EXISTS moved_notes_by_path ON moved_notes (folder, path, nth);
CREATE INDEX IF NOT EXISTS moved_notes_by_kept ON moved_notes (folder, kept);
CREATE TABLE IF NOT EXISTS moved_notes_cut (folder TEXT PRIMARY KEY, count INTEGER NOT NULL,
  newest INTEGER NOT NULL) WITHOUT ROWID;
`;

/** Make the tables when missing (a repair's new database: repair_folders.ts). */
export function makeMovedNotesTables(db: Db): void {
  db.exec(DDL);
}

/** The local record an earlier release kept the notes in. */
const LEGACY = "movedKept";

/** What the cap dropped of a folder's notes: how many, and the newest time kept among them. */
export interface MovedNotesCut {
  readonly count: number;
  readonly newest: number;
}

type Row = MovedKeptNote & { folder?: string; nth?: number };

const noteOf = (r: Row): MovedKeptNote => ({
  path: r.path,
  kept: r.kept,
  size: r.size,
  key: r.key,
  at: r.at,
});

/** The read side of {@link SqlMovedNotes} (writes go through HomeWriter.folderLocal.moved). */
export type MovedNotesView = Pick<SqlMovedNotes, "of" | "under" | "cut" | "oldest">;

/** The "now at" notes of one home (see the module comment). */
export class SqlMovedNotes {
  readonly #db: Db;
  #made = false;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Whether the tables are there (a home not written since they came has none). */
  #ready(): boolean {
    this.#made ||= this.#db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'moved_notes_cut'",
    ).get() !== undefined;
    return this.#made;
  }

  /** An earlier release's record, by folder (read only while the tables are not made). */
  #legacy(): Record<string, MovedKeptNote[]> {
    const r = this.#db.prepare("SELECT v FROM local WHERE k = ?").get(LEGACY) as
      | { v: string }
      | undefined;
    try {
      return r === undefined ? {} : JSON.parse(r.v);
    } catch {
      return {}; // a damaged record: only where dropped content was goes unsaid
    }
  }

  /** The notes of `path` in `folder` kept at or after `since`, newest first. */
  of(folder: string, path: string, since: number): MovedKeptNote[] {
    const list = this.#ready()
      ? (this.#db.prepare(
        "SELECT path, kept, size, key, at FROM moved_notes WHERE folder = ? AND path = ? " +
          "AND +kept >= ? ORDER BY nth",
      ).all(folder, path, since) as unknown as Row[]).map(noteOf)
      : (this.#legacy()[folder] ?? []).filter((n) => n.path === path && n.kept >= since);
    // Stable: of one time, the one added first stays first (as the record was read).
    return list.sort((a, b) => b.kept - a.kept);
  }

  /** The notes of the paths under `dir` ("" for all) of `folder` kept at or after `since`, by path. */
  under(folder: string, dir: string, since: number): MovedKeptNote[] {
    if (!this.#ready()) {
      const prefix = dir === "" ? "" : `${dir}/`;
      return (this.#legacy()[folder] ?? [])
        .filter((n) => n.path.startsWith(prefix) && n.kept >= since)
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    }
    // "d/" up to "d0" ('0' follows '/'): every path below d, by the index, and nothing else.
    // `+kept`: a time is no way in (the index of times would read every note of the folder).
    const rows = dir === ""
      ? this.#db.prepare(
        "SELECT path, kept, size, key, at FROM moved_notes WHERE folder = ? AND kept >= ? " +
          "ORDER BY path, nth",
      ).all(folder, since)
      : this.#db.prepare(
        "SELECT path, kept, size, key, at FROM moved_notes WHERE folder = ? AND path >= ? " +
          "AND path < ? AND +kept >= ? ORDER BY path, nth",
      ).all(folder, `${dir}/`, `${dir}0`, since);
    return (rows as unknown as Row[]).map(noteOf);
  }

  /** What the cap dropped of `folder`'s notes, if it dropped any. */
  cut(folder: string): MovedNotesCut | undefined {
    if (!this.#ready()) return undefined;
    const r = this.#db.prepare("SELECT count, newest FROM moved_notes_cut WHERE folder = ?")
      .get(folder) as MovedNotesCut | undefined;
    return r === undefined ? undefined : { count: r.count, newest: r.newest };
  }

  /** The oldest time a note of `folder` was kept (by the index of times), if it has any. */
  oldest(folder: string): number | undefined {
    if (!this.#ready()) return undefined;
    const r = this.#db.prepare("SELECT min(kept) AS t FROM moved_notes WHERE folder = ?")
      .get(folder) as { t: number | null };
    return r.t ?? undefined;
  }

  /** Make the tables, taking over an earlier release's record (inside a write). */
  #make(): void {
    if (this.#ready()) return;
    this.#db.exec(DDL);
    const put = this.#db.prepare(
      "INSERT INTO moved_notes (folder, nth, path, kept, size, key, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    const here = this.#db.prepare("SELECT 1 FROM folder_local WHERE folder = ?");
    for (const [folder, notes] of Object.entries(this.#legacy())) {
      if (here.get(folder) === undefined) continue; // a folder left here keeps none
      notes.forEach((n, i) => put.run(folder, i + 1, n.path, n.kept, n.size, n.key, n.at));
    }
    this.#db.prepare("DELETE FROM local WHERE k = ?").run(LEGACY);
    this.#made = true;
  }

  /**
   * Add `notes` to `folder`'s (inside a write), drop its notes kept before
   * `since`, and past the newest `max` added, the oldest added: the count
   * the cap dropped. Costs what it adds and drops, whatever the folder holds.
   */
  add(folder: string, notes: readonly MovedKeptNote[], since: number, max: number): number {
    this.#make();
    const db = this.#db;
    this.expire(folder, since);
    const last = db.prepare("SELECT max(nth) AS n FROM moved_notes WHERE folder = ?")
      .get(folder) as { n: number | null };
    let nth = last.n ?? 0;
    const put = db.prepare(
      "INSERT INTO moved_notes (folder, nth, path, kept, size, key, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const n of notes) put.run(folder, ++nth, n.path, n.kept, n.size, n.key, n.at);
    const upTo = nth - max;
    const over = db.prepare(
      "SELECT count(*) AS count, max(kept) AS newest FROM moved_notes WHERE folder = ? AND nth <= ?",
    ).get(folder, upTo) as { count: number; newest: number | null };
    if (over.count === 0) return 0;
    db.prepare("DELETE FROM moved_notes WHERE folder = ? AND nth <= ?").run(folder, upTo);
    const before = this.cut(folder);
    db.prepare("INSERT OR REPLACE INTO moved_notes_cut VALUES (?, ?, ?)").run(
      folder,
      (before?.count ?? 0) + over.count,
      Math.max(before?.newest ?? 0, over.newest ?? 0),
    );
    return over.count;
  }

  /** Drop `folder`'s notes kept before `since` (inside a write), and a cut past it. */
  expire(folder: string, since: number): void {
    if (!this.#ready()) return;
    this.#db.prepare("DELETE FROM moved_notes WHERE folder = ? AND kept < ?").run(folder, since);
    this.#db.prepare("DELETE FROM moved_notes_cut WHERE folder = ? AND newest < ?").run(
      folder,
      since,
    );
  }

  /** Drop every note of `folder` (inside a write): a folder left here. */
  dropFolder(folder: string): void {
    if (!this.#ready()) return;
    this.#db.prepare("DELETE FROM moved_notes WHERE folder = ?").run(folder);
    this.#db.prepare("DELETE FROM moved_notes_cut WHERE folder = ?").run(folder);
  }
}
