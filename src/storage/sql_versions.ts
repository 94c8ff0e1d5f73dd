/**
 * @module sql_versions
 * A write-back cache of `versions` rows: inside a write transaction a key's
 * rows are read once, changed in memory, and written once at
 * {@link VersionCache.flush}. A peer's batch of thousands of entries over a
 * few hundred keys replaces each key's shown version many times; without the
 * cache every replace was one `UPDATE OR REPLACE` (the largest single cost of
 * an ingest). Only the transaction's owner writes the tables meanwhile, so
 * what is cached stays true until it ends; a rollback clears it, and
 * whole-table reads flush first.
 *
 * Committed rows stay cached for the next write transaction unless another
 * connection committed in between (`PRAGMA data_version` moved): reading a
 * key's rows costs about as much as the replace the cache saves, so
 * re-reading them for every batch of a long ingest would eat the gain.
 */

import type { Dot, Version } from "../crdt/dotted.ts";

/** The statements the cache reads and writes one keyspace through (see sql_state.ts). */
export interface VersionStore {
  load(key: string): Version[];
  put(key: string, v: Version): void;
  remove(key: string, dot: Dot): void;
  replace(key: string, old: Dot, v: Version): void;
}

interface Cached {
  key: string;
  /** The rows as they are now. */
  rows: Version[];
  /** The rows as the table holds them (the same objects where unchanged). */
  stored: Version[];
}

/**
 * Keys cached before the cache writes and forgets them: bounds memory across
 * transactions and in one that folds a long history (a refold).
 */
const MAX_KEYS = 20_000;

/** Where the row with `dot` is in `rows` (skipping index `skip`), or -1. */
function find(rows: readonly Version[], dot: Dot, skip = -1): number {
  for (let i = 0; i < rows.length; i++) {
    const d = rows[i].dot;
    if (d.seq === dot.seq && d.author === dot.author && i !== skip) return i;
  }
  return -1;
}

/** Cached rows of one keyspace, by key. */
export class VersionCache {
  readonly #store: VersionStore;
  readonly #keys = new Map<string, Cached>();
  readonly #dirty = new Set<Cached>();
  /** The database's `data_version` when the cached rows were last known true. */
  #version: number | undefined;

  constructor(store: VersionStore) {
    this.#store = store;
  }

  /**
   * A write transaction starts: what is cached is kept if no other
   * connection committed since the last one (`dataVersion` unchanged).
   */
  begin(dataVersion: number): void {
    if (dataVersion !== this.#version) this.clear();
    this.#version = dataVersion;
  }

  /** It ended: the rows stay only when it committed with all of them written. */
  end(committed: boolean): void {
    if (!committed || this.#dirty.size > 0) this.clear();
  }

  #get(key: string): Cached {
    let c = this.#keys.get(key);
    if (c === undefined) {
      if (this.#keys.size >= MAX_KEYS) this.flush(true);
      const stored = this.#store.load(key);
      c = { key, rows: [...stored], stored };
      this.#keys.set(key, c);
    }
    return c;
  }

  /** A copy of the key's rows, in table order (author, seq). */
  versions(key: string): Version[] {
    return [...this.#get(key).rows].sort((a, b) =>
      a.dot.author !== b.dot.author ? (a.dot.author < b.dot.author ? -1 : 1) : a.dot.seq - b.dot.seq
    );
  }

  put(key: string, v: Version): void {
    const c = this.#get(key);
    const i = find(c.rows, v.dot);
    if (i >= 0) c.rows[i] = v;
    else c.rows.push(v);
    this.#dirty.add(c);
  }

  remove(key: string, dot: Dot): boolean {
    const c = this.#get(key);
    const i = find(c.rows, dot);
    if (i < 0) return false;
    c.rows.splice(i, 1);
    this.#dirty.add(c);
    return true;
  }

  /** `remove(old)` then `put(v)`; false, changing nothing, when `old` is not there. */
  replace(key: string, old: Dot, v: Version): boolean {
    const c = this.#get(key);
    const i = find(c.rows, old);
    if (i < 0) return false;
    c.rows[i] = v;
    // As `UPDATE OR REPLACE` does: a row already holding v's dot goes.
    const j = find(c.rows, v.dot, i);
    if (j >= 0) c.rows.splice(j, 1);
    this.#dirty.add(c);
    return true;
  }

  /**
   * Write the changed keys: one statement for the common case (one row
   * replaced by another), else deletes then puts. `forget` also drops what
   * is cached (to bound memory); otherwise it stays, now as stored.
   */
  flush(forget = false): void {
    for (const c of this.#dirty) {
      const { key, rows, stored } = c;
      if (rows.length === 1 && stored.length === 1 && find(stored, rows[0].dot) < 0) {
        this.#store.replace(key, stored[0].dot, rows[0]); // the common case
        c.stored = [rows[0]];
        continue;
      }
      const gone = stored.filter((s) => find(rows, s.dot) < 0);
      const added = rows.filter((r) => !stored.includes(r));
      if (gone.length === 1 && added.length === 1) {
        this.#store.replace(key, gone[0].dot, added[0]);
      } else {
        for (const s of gone) this.#store.remove(key, s.dot);
        for (const r of added) this.#store.put(key, r);
      }
      c.stored = [...rows];
    }
    this.#dirty.clear();
    if (forget) this.#keys.clear();
  }

  /** Forget everything, written or not (a rollback, or tables cleared underneath). */
  clear(): void {
    this.#keys.clear();
    this.#dirty.clear();
    this.#version = undefined;
  }
}
