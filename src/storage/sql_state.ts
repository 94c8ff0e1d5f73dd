/**
 * @module sql_state
 * The replicated state in the home's SQLite tables: the fold writes rows
 * (only the rows an entry touches — no whole-state rewrite) and commands read
 * them through the shared view. Row order is canonical (BINARY collation is
 * UTF-8 byte order, which is code-point order; keys are BLOBs or hex).
 *
 * Whole-table scans read keyset pages with `all()`, never `iterate()`:
 * Deno's node:sqlite ends an `iterate()` quietly when SQLite reports an
 * error (a damaged page), which would show a damaged state as an empty one.
 */

import type { Dot, DottedBackend, Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { Json } from "../crdt/json.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { MemberRow } from "../log/membership.ts";
import type { Space, StateStore } from "../log/state.ts";
import { RowsView, type StateRows } from "../log/state_rows.ts";
import type { Db } from "./db.ts";
import { memberFromJson, memberToJson } from "./member_json.ts";
import { SqlFolders } from "./sql_folders.ts";
import { VersionCache } from "./sql_versions.ts";

interface VersionRow {
  author: string;
  seq: number;
  wall: number;
  counter: number;
  value: string | null;
  legacy: number;
}

function toVersion(r: VersionRow): Version {
  const v: Version = {
    dot: { author: r.author, seq: r.seq },
    stamp: { wall: r.wall, counter: r.counter, node: r.author },
    value: r.value === null ? undefined : JSON.parse(r.value) as Json,
  };
  return r.legacy ? { ...v, legacy: true } : v;
}

/** What a keyspace asks of the state it belongs to. */
interface SpaceParts {
  seen: (author: string) => number;
  /** False when `dot` is surely not parked (known inside a write transaction only). */
  mayBeParked: (dot: Dot) => boolean;
  /** A dot was parked. */
  parked: (dot: Dot) => void;
  /** True inside a write transaction: `versions` rows are cached and written back at flush. */
  caching: () => boolean;
}

/** A version's columns after (space, key), in the order the put and replace statements take them. */
function versionColumns(v: Version): [string, number, number, number, string | null, number] {
  return [
    v.dot.author,
    v.dot.seq,
    v.stamp.wall,
    v.stamp.counter,
    v.value === undefined ? null : JSON.stringify(v.value),
    v.legacy ? 1 : 0,
  ];
}

class SqlSpace implements DottedBackend {
  readonly #space: Space;
  readonly #s: Statements;
  readonly #parts: SpaceParts;
  /** This keyspace's `versions` rows (see sql_versions.ts). */
  readonly cache: VersionCache;

  constructor(space: Space, s: Statements, parts: SpaceParts) {
    this.#space = space;
    this.#s = s;
    this.#parts = parts;
    this.cache = new VersionCache({
      load: (key) => (s.versionsOf.all(space, key) as unknown as VersionRow[]).map(toVersion),
      put: (key, v) => s.putVersion.run(space, key, ...versionColumns(v)),
      remove: (key, dot) => s.removeVersion.run(space, key, dot.author, dot.seq),
      replace: (key, old, v) =>
        s.replaceVersion.run(...versionColumns(v), space, key, old.author, old.seq),
    });
  }

  versions(key: string): Version[] {
    if (this.#parts.caching()) return this.cache.versions(key);
    return (this.#s.versionsOf.all(this.#space, key) as unknown as VersionRow[]).map(toVersion);
  }

  put(key: string, v: Version): void {
    if (this.#parts.caching()) return this.cache.put(key, v);
    this.#s.putVersion.run(this.#space, key, ...versionColumns(v));
  }

  remove(key: string, dot: Dot): boolean {
    if (this.#parts.caching()) return this.cache.remove(key, dot);
    return Number(this.#s.removeVersion.run(this.#space, key, dot.author, dot.seq).changes) > 0;
  }

  replace(key: string, old: Dot, v: Version): boolean {
    if (this.#parts.caching()) return this.cache.replace(key, old, v);
    return Number(
      this.#s.replaceVersion.run(
        ...versionColumns(v),
        this.#space,
        key,
        old.author,
        old.seq,
      ).changes,
    ) > 0;
  }

  isParked(key: string, dot: Dot): boolean {
    if (!this.#parts.mayBeParked(dot)) return false;
    return this.#s.isParked.get(this.#space, key, dot.author, dot.seq) !== undefined;
  }

  park(key: string, dot: Dot): void {
    this.#s.park.run(this.#space, key, dot.author, dot.seq);
    this.#parts.parked(dot);
  }

  seen(author: string): number {
    return this.#parts.seen(author);
  }

  floor(key: string): Hlc | undefined {
    const r = this.#s.floor.get(this.#space, key) as
      | { wall: number; counter: number; node: string }
      | undefined;
    return r && { wall: r.wall, counter: r.counter, node: r.node };
  }

  setFloor(key: string, stamp: Hlc): void {
    this.#s.setFloor.run(this.#space, key, stamp.wall, stamp.counter, stamp.node);
  }
}

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    versionsOf: p(
      "SELECT author, seq, wall, counter, value, legacy FROM versions" +
        " WHERE space = ? AND key = ? ORDER BY author, seq",
    ),
    allVersions: p(
      "SELECT key, author, seq, wall, counter, value, legacy FROM versions" +
        " WHERE space = ? AND (key, author, seq) > (?, ?, ?) ORDER BY key, author, seq LIMIT ?",
    ),
    putVersion: p("INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
    removeVersion: p("DELETE FROM versions WHERE space = ? AND key = ? AND author = ? AND seq = ?"),
    replaceVersion: p(
      "UPDATE OR REPLACE versions SET author = ?, seq = ?, wall = ?, counter = ?, value = ?," +
        " legacy = ? WHERE space = ? AND key = ? AND author = ? AND seq = ?",
    ),
    isParked: p("SELECT 1 FROM parked WHERE space = ? AND key = ? AND author = ? AND seq = ?"),
    park: p("INSERT OR IGNORE INTO parked VALUES (?, ?, ?, ?)"),
    anyParked: p("SELECT 1 FROM parked LIMIT 1"),
    maxParked: p("SELECT max(seq) AS seq FROM parked WHERE author = ?"),
    dropParked: p("DELETE FROM parked WHERE author = ? AND seq <= ?"),
    allParked: p(
      "SELECT space, key, author, seq FROM parked WHERE (space, key, author, seq) > (?, ?, ?, ?)" +
        " ORDER BY space, key, author, seq LIMIT ?",
    ),
    floor: p("SELECT wall, counter, node FROM floors WHERE space = ? AND key = ?"),
    setFloor: p("INSERT OR REPLACE INTO floors VALUES (?, ?, ?, ?, ?)"),
    allFloors: p(
      "SELECT space, key, wall, counter, node FROM floors WHERE (space, key) > (?, ?)" +
        " ORDER BY space, key LIMIT ?",
    ),
    seen: p("SELECT seq FROM seen WHERE author = ?"),
    dataVersion: p("PRAGMA data_version"),
    setSeen: p("INSERT OR REPLACE INTO seen VALUES (?, ?)"),
    allSeen: p("SELECT author, seq FROM seen ORDER BY author"),
    addApp: p("INSERT OR IGNORE INTO apps VALUES (?)"),
    allApps: p("SELECT name FROM apps ORDER BY name"),
    member: p("SELECT row FROM members WHERE key = ?"),
    putMember: p("INSERT OR REPLACE INTO members VALUES (?, ?)"),
    allMembers: p("SELECT key, row FROM members ORDER BY key"),
  };
}

type Statements = ReturnType<typeof statements>;

/** Rows per page of a whole-table scan. */
const PAGE = 1000;

/** Every row of a keyset-paged query: `page(last)` returns the rows after `last`. */
function* pages<R>(page: (last: R | undefined) => unknown[]): Iterable<R> {
  let last: R | undefined;
  while (true) {
    const rows = page(last) as R[];
    yield* rows;
    if (rows.length < PAGE) return;
    last = rows[rows.length - 1];
  }
}

/** The state of one home, in its database. */
export class SqlState implements StateStore, StateRows {
  readonly #s: Statements;
  readonly #spaces: Map<Space, SqlSpace>;
  readonly #seenCache = new Map<string, number>();
  /**
   * Inside a write transaction (see {@link SqlState.cacheRows}) nobody else
   * changes the tables, so membership rows (read for every entry ingested)
   * and whether any dot is parked (and each author's highest parked seq: a
   * dot above it is not parked) are remembered until it ends.
   */
  #caching = false;
  readonly #members = new Map<DeviceKey, MemberRow | undefined>();
  #noneParked: boolean | undefined;
  readonly #maxParked = new Map<string, number>();
  /** Fold frontier moves not written yet (see {@link SqlState.flush}); inside a write transaction only. */
  readonly #seenDirty = new Set<string>();
  /**
   * Membership rows changed and not written yet (inside a write transaction
   * only): an author's witness (src/log/witness.ts) may grow with every
   * entry it folds, one row write per entry otherwise.
   */
  readonly #membersDirty = new Set<DeviceKey>();
  readonly #folders: SqlFolders;
  /** Commands' view of this state. */
  readonly view: RowsView;

  constructor(db: Db) {
    this.#s = statements(db);
    this.#folders = new SqlFolders(db);
    const parts: SpaceParts = {
      seen: (a) => this.seenOf(a),
      mayBeParked: (dot) => this.#mayBeParked(dot),
      parked: (dot) => {
        this.#noneParked = false;
        const max = this.#maxParked.get(dot.author);
        if (max !== undefined && dot.seq > max) this.#maxParked.set(dot.author, dot.seq);
      },
      caching: () => this.#caching,
    };
    this.#spaces = new Map(
      (["config", "patterns", "prefs"] as const).map((s) => [s, new SqlSpace(s, this.#s, parts)]),
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
    this.#membersDirty.clear();
    this.#members.clear();
    this.#noneParked = undefined;
    this.#maxParked.clear();
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
    const dropParked = !this.#noParkedDots();
    for (const author of this.#seenDirty) {
      const seq = this.#seenCache.get(author)!;
      this.#s.setSeen.run(author, seq);
      if (dropParked) this.#s.dropParked.run(author, seq);
    }
    this.#seenDirty.clear();
    for (const key of this.#membersDirty) {
      this.#s.putMember.run(key.bytes, memberToJson(this.#members.get(key)!));
    }
    this.#membersDirty.clear();
  }

  #noParkedDots(): boolean {
    if (!this.#caching) return false;
    this.#noneParked ??= this.#s.anyParked.get() === undefined;
    return this.#noneParked;
  }

  #mayBeParked(dot: Dot): boolean {
    if (!this.#caching) return true;
    if (this.#noParkedDots()) return false;
    let max = this.#maxParked.get(dot.author);
    if (max === undefined) {
      max = (this.#s.maxParked.get(dot.author) as { seq: number | null }).seq ?? 0;
      this.#maxParked.set(dot.author, max);
    }
    return dot.seq <= max;
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
      this.#s.dropParked.run(author.hex, seq);
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
    if (this.#caching) {
      this.#members.set(key, row);
      this.#membersDirty.add(key);
    } else this.#s.putMember.run(key.bytes, memberToJson(row));
  }

  // StateRows

  versionsOf(space: Space, key: string): Version[] {
    return this.space(space).versions(key);
  }

  *keysOf(space: Space): Iterable<[string, Version[]]> {
    this.flush();
    let key: string | undefined;
    let list: Version[] = [];
    const rows = pages<VersionRow & { key: string }>(
      (r) => this.#s.allVersions.all(space, r?.key ?? "", r?.author ?? "", r?.seq ?? -1, PAGE),
    );
    for (const r of rows) {
      if (r.key !== key) {
        if (key !== undefined) yield [key, list];
        key = r.key;
        list = [];
      }
      list.push(toVersion(r));
    }
    if (key !== undefined) yield [key, list];
  }

  *parked(): Iterable<[Space, string, string, number]> {
    this.flush();
    const rows = pages<Record<string, unknown>>((r) =>
      this.#s.allParked.all(
        (r?.space ?? "") as string,
        (r?.key ?? "") as string,
        (r?.author ?? "") as string,
        (r?.seq ?? -1) as number,
        PAGE,
      )
    );
    for (const r of rows) {
      yield [r.space as Space, r.key as string, r.author as string, r.seq as number];
    }
  }

  *floors(): Iterable<[Space, string, Hlc]> {
    const rows = pages<Record<string, unknown>>((r) =>
      this.#s.allFloors.all((r?.space ?? "") as string, (r?.key ?? "") as string, PAGE)
    );
    for (const r of rows) {
      yield [r.space as Space, r.key as string, {
        wall: r.wall as number,
        counter: r.counter as number,
        node: r.node as string,
      }];
    }
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
    return (this.#s.allMembers.all() as { key: Uint8Array; row: string }[])
      .map((r) => [DeviceKey.of(r.key), memberFromJson(r.row)]);
  }

  memberRow(key: DeviceKey): MemberRow | undefined {
    if (this.#caching && this.#members.has(key)) return this.#members.get(key);
    const r = this.#s.member.get(key.bytes) as { row: string } | undefined;
    const row = r === undefined ? undefined : memberFromJson(r.row);
    if (this.#caching) this.#members.set(key, row);
    return row;
  }
}
