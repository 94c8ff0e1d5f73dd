/**
 * @module sql_state_memo
 * What a write transaction remembers of the replicated state's shared rows
 * (for sql_state.ts): inside one nobody else changes the tables, so rows
 * read over and over while entries are folded are read once and kept until
 * it ends; outside one every read goes to the tables, which other processes
 * may change.
 * - {@link SqlMembers}: the membership rows (`members`, one JSON row per
 *   device, src/log/membership.ts), read for every entry ingested; a
 *   changed row is written once, at flush: an author's witness
 *   (src/log/witness.ts) may grow with every entry it folds, one row write
 *   per entry otherwise.
 * - {@link ParkedMemo}: parked dots (sql_space.ts). The fold asks, for every
 *   version it meets, whether its dot is parked, and almost never is one:
 *   whether any dot is parked at all, and each author's highest parked seq
 *   (a dot above it is not parked), are read once.
 */

import type { Dot } from "../crdt/dotted.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { MemberRow } from "../log/membership.ts";
import type { Db } from "./db.ts";
import { memberFromJson, memberToJson } from "./member_json.ts";
import type { SpaceStatements } from "./sql_space.ts";

/** The `members` table, cached inside a write transaction. */
export class SqlMembers {
  readonly #s;
  readonly #caching: () => boolean;
  readonly #rows = new Map<DeviceKey, MemberRow | undefined>();
  /** Rows changed and not written yet (inside a write transaction only). */
  readonly #dirty = new Set<DeviceKey>();

  /** `caching`: true while a write transaction holds the database. */
  constructor(db: Db, caching: () => boolean) {
    const p = (sql: string) => db.prepare(sql);
    this.#s = {
      member: p("SELECT row FROM members WHERE key = ?"),
      putMember: p("INSERT OR REPLACE INTO members VALUES (?, ?)"),
      allMembers: p("SELECT key, row FROM members ORDER BY key"),
    };
    this.#caching = caching;
  }

  /** Forget what is remembered (a transaction began or ended, or was rolled back). */
  forget(): void {
    this.#dirty.clear();
    this.#rows.clear();
  }

  /** Write the rows changed in this transaction. */
  flush(): void {
    for (const key of this.#dirty) {
      this.#s.putMember.run(key.bytes, memberToJson(this.#rows.get(key)!));
    }
    this.#dirty.clear();
  }

  /** `key`'s row, if any. */
  row(key: DeviceKey): MemberRow | undefined {
    if (this.#caching() && this.#rows.has(key)) return this.#rows.get(key);
    const r = this.#s.member.get(key.bytes) as { row: string } | undefined;
    const row = r === undefined ? undefined : memberFromJson(r.row);
    if (this.#caching()) this.#rows.set(key, row);
    return row;
  }

  /** Set `key`'s row (written at flush inside a write transaction, else at once). */
  put(key: DeviceKey, row: MemberRow): void {
    if (this.#caching()) {
      this.#rows.set(key, row);
      this.#dirty.add(key);
    } else this.#s.putMember.run(key.bytes, memberToJson(row));
  }

  /** Every row as stored (flush first), in key order. */
  all(): [DeviceKey, MemberRow][] {
    return (this.#s.allMembers.all() as { key: Uint8Array; row: string }[])
      .map((r) => [DeviceKey.of(r.key), memberFromJson(r.row)]);
  }
}

/** Parked-dot facts remembered inside a write transaction. */
export class ParkedMemo {
  readonly #sp: SpaceStatements;
  readonly #caching: () => boolean;
  #none: boolean | undefined;
  readonly #max = new Map<string, number>();

  /** `caching`: true while a write transaction holds the database. */
  constructor(sp: SpaceStatements, caching: () => boolean) {
    this.#sp = sp;
    this.#caching = caching;
  }

  /** Forget what is remembered (a transaction began or ended, or was rolled back). */
  forget(): void {
    this.#none = undefined;
    this.#max.clear();
  }

  /** True when no dot is parked (known inside a write transaction only; false outside). */
  none(): boolean {
    if (!this.#caching()) return false;
    this.#none ??= this.#sp.anyParked.get() === undefined;
    return this.#none;
  }

  /** False when `dot` is surely not parked. */
  mayBe(dot: Dot): boolean {
    if (!this.#caching()) return true;
    if (this.none()) return false;
    let max = this.#max.get(dot.author);
    if (max === undefined) {
      max = (this.#sp.maxParked.get(dot.author) as { seq: number | null }).seq ?? 0;
      this.#max.set(dot.author, max);
    }
    return dot.seq <= max;
  }

  /** `dot` was parked just now. */
  parked(dot: Dot): void {
    this.#none = false;
    const max = this.#max.get(dot.author);
    if (max !== undefined && dot.seq > max) this.#max.set(dot.author, dot.seq);
  }
}
