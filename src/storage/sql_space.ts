/**
 * @module sql_space
 * One keyspace of the replicated state (config, patterns, prefs) in the
 * home's SQLite tables: its dotted versions (`versions`), the dots set
 * aside until their author's frontier passes them (`parked`) and the
 * stamps below which a key was cleared (`floors`), as the CRDT's
 * {@link DottedBackend}. Inside a write transaction its versions go
 * through a cache written back at flush (sql_versions.ts); what the whole
 * state shares (the frontier, whether any dot is parked) it asks of
 * {@link SpaceParts}, which sql_state.ts provides.
 */

import type { Dot, DottedBackend, Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import type { Json } from "../crdt/json.ts";
import type { Space } from "../log/state.ts";
import type { Db } from "./db.ts";
import { VersionCache } from "./sql_versions.ts";

/** A `versions` row. */
export interface VersionRow {
  author: string;
  seq: number;
  wall: number;
  counter: number;
  value: string | null;
  legacy: number;
}

/** The version a `versions` row holds. */
export function toVersion(r: VersionRow): Version {
  const v: Version = {
    dot: { author: r.author, seq: r.seq },
    stamp: { wall: r.wall, counter: r.counter, node: r.author },
    value: r.value === null ? undefined : JSON.parse(r.value) as Json,
  };
  return r.legacy ? { ...v, legacy: true } : v;
}

/** What a keyspace asks of the state it belongs to. */
export interface SpaceParts {
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

/** The statements on `versions`, `parked` and `floors`, prepared once for every keyspace. */
export function spaceStatements(db: Db) {
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
  };
}

/** What {@link spaceStatements} prepares. */
export type SpaceStatements = ReturnType<typeof spaceStatements>;

/** One keyspace's rows, as the CRDT reads and writes them. */
export class SqlSpace implements DottedBackend {
  readonly #space: Space;
  readonly #s: SpaceStatements;
  readonly #parts: SpaceParts;
  /** This keyspace's `versions` rows (see sql_versions.ts). */
  readonly cache: VersionCache;

  constructor(space: Space, s: SpaceStatements, parts: SpaceParts) {
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
