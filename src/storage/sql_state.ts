/**
 * @module sql_state
 * The replicated state in the home's SQLite tables: the fold writes rows
 * (only the rows an entry touches — no whole-state rewrite) and commands read
 * them through the shared view. Row order is canonical (BINARY collation is
 * UTF-8 byte order, which is code-point order; keys are BLOBs or hex).
 *
 * Here: what the whole state shares — the fold frontier (`seen`), apps,
 * whether dots are parked — and what a write transaction remembers of them
 * until it flushes. Each keyspace's versions, parked dots and floors are
 * sql_space.ts, whole-table scans of them sql_state_scans.ts, what a
 * write transaction remembers sql_state_memo.ts, folders sql_folders.ts.
 */

import type { Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { MemberRow } from "../log/membership.ts";
import type { Space, StateStore } from "../log/state.ts";
import { RowsView, type StateRows } from "../log/state_rows.ts";
import type { Db } from "./db.ts";
import { ParkedMemo, SqlMembers } from "./sql_state_memo.ts";
import { SqlFolders } from "./sql_folders.ts";
import { type SpaceParts, type SpaceStatements, spaceStatements, SqlSpace } from "./sql_space.ts";
import { floorRows, keysOf, parkedRows } from "./sql_state_scans.ts";

/** The statements on the rows the whole state shares (frontier, apps). */
function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    seen: p("SELECT seq FROM seen WHERE author = ?"),
    dataVersion: p("PRAGMA data_version"),
    setSeen: p("INSERT OR REPLACE INTO seen VALUES (?, ?)"),
    allSeen: p("SELECT author, seq FROM seen ORDER BY author"),
    addApp: p("INSERT OR IGNORE INTO apps VALUES (?)"),
    allApps: p("SELECT name FROM apps ORDER BY name"),
  };
}

type Statements = ReturnType<typeof statements>;

/** The state of one home, in its database. */
export class SqlState implements StateStore, StateRows {
  readonly #s: Statements;
  /** The keyspaces' statements (sql_space.ts), shared by the three. */
  readonly #sp: SpaceStatements;
  readonly #spaces: Map<Space, SqlSpace>;
  readonly #seenCache = new Map<string, number>();
  /**
   * Inside a write transaction (see {@link SqlState.cacheRows}) nobody else
   * changes the tables, so membership rows and parked-dot facts are
   * remembered until it ends (sql_state_memo.ts).
   */
  #caching = false;
  readonly #members: SqlMembers;
  readonly #parked: ParkedMemo;
  /** Fold frontier moves not written yet (see {@link SqlState.flush}); inside a write transaction only. */
  readonly #seenDirty = new Set<string>();
  readonly #folders: SqlFolders;
  /** Commands' view of this state. */
  readonly view: RowsView;

  constructor(db: Db) {
    this.#s = statements(db);
    this.#sp = spaceStatements(db);
    this.#members = new SqlMembers(db, () => this.#caching);
    this.#parked = new ParkedMemo(this.#sp, () => this.#caching);
    this.#folders = new SqlFolders(db);
    const parts: SpaceParts = {
      seen: (a) => this.seenOf(a),
      mayBeParked: (dot) => this.#parked.mayBe(dot),
      parked: (dot) => this.#parked.parked(dot),
      caching: () => this.#caching,
    };
    this.#spaces = new Map(
      (["config", "patterns", "prefs"] as const).map((s) => [s, new SqlSpace(s, this.#sp, parts)]),
    );
    this.view = new RowsView(this);
  }

  /** Forget cached rows (after a rollback, another process's write, or tables cleared). */
  invalidate(): void {
    for (const space of this.#spaces.values()) space.cache.clear();
    this.#folders.forget();
    this.#forgetRows();
  }

  #forgetRows(): void {
    this.#seenCache.clear();
    this.#seenDirty.clear();
    this.#members.forget();
    this.#parked.forget();
  }

  /**
   * Remember rows while a write transaction holds the database (`true` at its
   * start, `false` when it ends, saying whether it committed); otherwise
   * every read goes to the tables, which other processes may change. Only
   * `versions` rows outlive a committed transaction (sql_versions.ts).
   */
  cacheRows(on: boolean, committed = false): void {
    this.#caching = on;
    this.#forgetRows();
    this.#folders.cacheRows(on); // folder rows never outlive the transaction
    const version = on ? (this.#s.dataVersion.get() as { data_version: number }).data_version : 0;
    for (const space of this.#spaces.values()) {
      if (on) space.cache.begin(version);
      else space.cache.end(committed);
    }
  }

  /**
   * Write what is only remembered (the fold frontier and membership rows:
   * one row per author instead of one write per entry folded). The write transaction's owner
   * calls it before it commits; reads of the whole table call it first.
   */
  flush(): void {
    for (const space of this.#spaces.values()) space.cache.flush();
    const dropParked = !this.#parked.none();
    for (const author of this.#seenDirty) {
      const seq = this.#seenCache.get(author)!;
      this.#s.setSeen.run(author, seq);
      if (dropParked) this.#sp.dropParked.run(author, seq);
    }
    this.#seenDirty.clear();
    this.#members.flush();
  }

  space(name: Space): SqlSpace {
    return this.#spaces.get(name)!;
  }

  seen(author: DeviceKey): number {
    return this.seenOf(author.hex);
  }

  setSeen(author: DeviceKey, seq: number): void {
    if (this.#caching) {
      // Parked dots at or below `seen` are dead (a dot that low is never
      // parked or looked up again): they go when the frontier is written.
      this.#seenDirty.add(author.hex);
    } else {
      this.#s.setSeen.run(author.hex, seq);
      this.#sp.dropParked.run(author.hex, seq);
    }
    this.#seenCache.set(author.hex, seq);
  }

  addApp(name: string): void {
    this.#s.addApp.run(name);
  }

  member(key: DeviceKey): MemberRow | undefined {
    return this.memberRow(key);
  }

  /** Synced folders' rows (sql_folders.ts). */
  folders(): SqlFolders {
    return this.#folders;
  }

  putMember(key: DeviceKey, row: MemberRow): void {
    this.#members.put(key, row);
  }

  // StateRows

  versionsOf(space: Space, key: string): Version[] {
    return this.space(space).versions(key);
  }

  *keysOf(space: Space): Iterable<[string, Version[]]> {
    this.flush();
    yield* keysOf(this.#sp, space);
  }

  *parked(): Iterable<[Space, string, string, number]> {
    this.flush();
    yield* parkedRows(this.#sp);
  }

  floors(): Iterable<[Space, string, Hlc]> {
    return floorRows(this.#sp);
  }

  seenAll(): [string, number][] {
    this.flush();
    return (this.#s.allSeen.all() as { author: string; seq: number }[]).map((
      r,
    ) => [r.author, r.seq]);
  }

  seenOf(authorHex: string): number {
    let seq = this.#seenCache.get(authorHex);
    if (seq === undefined) {
      seq = (this.#s.seen.get(authorHex) as { seq: number } | undefined)?.seq ?? 0;
      this.#seenCache.set(authorHex, seq);
    }
    return seq;
  }

  appsAll(): string[] {
    return (this.#s.allApps.all() as { name: string }[]).map((r) => r.name);
  }

  memberRows(): [DeviceKey, MemberRow][] {
    this.flush();
    return this.#members.all();
  }

  memberRow(key: DeviceKey): MemberRow | undefined {
    return this.#members.row(key);
  }
}
