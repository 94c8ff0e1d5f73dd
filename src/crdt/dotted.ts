/**
 * @module dotted
 * Keys whose values are sets of dotted versions: the one CRDT behind config,
 * preferences and patterns. A version is written by one log entry (its dot
 * `(author, seq)`), carries that entry's HLC stamp, and holds a value or is a
 * tombstone (an unset). A write names the versions it observed — the ones its
 * device showed — and removes exactly those; versions it did not see survive
 * as concurrent siblings. So a write beats what it replaced whatever the
 * stamps say (a device whose clock runs a year ahead cannot out-vote a later
 * write that saw its value), and stamps only order writes that did not see
 * each other: the shown value is the newest sibling.
 *
 * Invariants (those of an observed-remove set whose tombstones are replaced
 * by a version vector):
 * - Entries of one author are applied in seq order, and `seen(author)` is the
 *   last seq applied. A dot at or below it that is not stored was removed.
 * - A write naming a dot not yet applied parks it; the version is void when it
 *   arrives. Parked dots are dropped once `seen` covers them.
 * - Entries from before writes named what they replaced (legacy writes, log
 *   format 1) order among themselves by stamp alone: each raises the key's
 *   `floor` and removes the legacy versions stamped below it, and a legacy
 *   version stamped below the floor is void. Floors only grow, so this stays a
 *   join. A legacy write never saw a newer-format version (the two formats
 *   never synced with each other), so it leaves those as concurrent siblings.
 * The state is therefore a function of the set of applied entries, whatever
 * order they arrived in. Storage is abstract: an in-memory map or SQLite.
 */

import { compareHlc, type Hlc } from "./hlc.ts";
import { canonicalJson, type Json } from "./json.ts";

/** The log entry that wrote a version: `(author, seq)`, so two writes never collide. */
export interface Dot {
  /** Hex of the entry author's key. */
  readonly author: string;
  /** The entry's seq in its author's log (from 1). */
  readonly seq: number;
}

/** One version of a key. */
export interface Version<V extends Json = Json> {
  /** The entry that wrote it. */
  readonly dot: Dot;
  /** That entry's stamp. */
  readonly stamp: Hlc;
  /** The value; undefined for a tombstone (an unset). */
  readonly value: V | undefined;
  /** True for a version written by a legacy write (ordered by stamp alone). */
  readonly legacy?: boolean;
}

/** Where the versions of one keyspace live (per key). */
export interface DottedBackend<V extends Json = Json> {
  /** The versions stored for `key`. */
  versions(key: string): Version<V>[];
  /** Store (or replace) a version. */
  put(key: string, v: Version<V>): void;
  /** Delete the version with `dot`; true when there was one. */
  remove(key: string, dot: Dot): boolean;
  /**
   * Optional: `remove(key, old)` then `put(key, v)` in one step (one
   * statement for SQLite); false, changing nothing, when `old` is not stored.
   */
  replace?(key: string, old: Dot, v: Version<V>): boolean;
  /** True when a write observed `dot` for `key` before it arrived. */
  isParked(key: string, dot: Dot): boolean;
  /** Remember that a write observed `dot` for `key` before it arrived. */
  park(key: string, dot: Dot): void;
  /** Last seq of `author` applied (0 for none). */
  seen(author: string): number;
  /** The key's legacy last-writer floor, if any. */
  floor(key: string): Hlc | undefined;
  /** Raise the key's legacy floor. */
  setFloor(key: string, stamp: Hlc): void;
}

/** One write to a key, as the fold hands it over. */
export interface Write<V extends Json = Json> {
  /** The entry making it, and its stamp. */
  readonly dot: Dot;
  readonly stamp: Hlc;
  /** The new version: a value, a tombstone (`"tombstone"`), or none (a pure remove). */
  readonly put: { value: V } | "tombstone" | "none";
  /**
   * Dots of the versions the writer observed and replaces; `undefined` for a
   * legacy write, which replaces everything stamped before it.
   */
  readonly observed: readonly Dot[] | undefined;
}

function covered(b: DottedBackend, dot: Dot): boolean {
  return dot.seq <= b.seen(dot.author);
}

/** Apply one write to `key`. The caller marks the entry seen afterwards. */
export function applyWrite<V extends Json>(b: DottedBackend<V>, key: string, w: Write<V>): void {
  if (replaceOne(b, key, w)) return;
  const legacy = w.observed === undefined;
  if (w.observed === undefined) {
    const floor = b.floor(key);
    if (floor === undefined || compareHlc(w.stamp, floor) > 0) {
      b.setFloor(key, w.stamp);
      for (const v of b.versions(key)) {
        if (v.legacy && compareHlc(v.stamp, w.stamp) < 0) b.remove(key, v.dot);
      }
    }
  } else {
    for (const dot of w.observed) {
      if (b.remove(key, dot) || covered(b, dot)) continue;
      b.park(key, dot);
    }
  }
  if (w.put === "none") return;
  if (b.isParked(key, w.dot) || covered(b, w.dot)) return;
  if (legacy) {
    const floor = b.floor(key);
    if (floor !== undefined && compareHlc(w.stamp, floor) < 0) return;
  }
  const value = w.put === "tombstone" ? undefined : w.put.value;
  b.put(
    key,
    legacy ? { dot: w.dot, stamp: w.stamp, value, legacy } : { dot: w.dot, stamp: w.stamp, value },
  );
}

/**
 * The common write — a value or tombstone replacing the one version its
 * device showed — as one `replace`, when the backend has it. Same outcome
 * as the general path below: the new version is checked first (whether the
 * observed dot is removed or parked does not change whether the new one is
 * parked or covered, since a write cannot observe itself — that case takes
 * the general path, which voids it), then the observed version is replaced,
 * or, when it is not stored, parked unless covered and the new one put.
 */
function replaceOne<V extends Json>(b: DottedBackend<V>, key: string, w: Write<V>): boolean {
  if (b.replace === undefined || w.put === "none" || w.observed?.length !== 1) return false;
  const old = w.observed[0];
  if (old.author === w.dot.author && old.seq === w.dot.seq) return false;
  if (b.isParked(key, w.dot) || covered(b, w.dot)) return false;
  const v = { dot: w.dot, stamp: w.stamp, value: w.put === "tombstone" ? undefined : w.put.value };
  if (b.replace(key, old, v)) return true;
  if (!covered(b, old)) b.park(key, old);
  b.put(key, v);
  return true;
}

/** Order versions: by stamp, then dot, then canonical value (a total order). */
export function compareVersions(a: Version, b: Version): number {
  const byStamp = compareHlc(a.stamp, b.stamp);
  if (byStamp !== 0) return byStamp;
  if (a.dot.author !== b.dot.author) return a.dot.author < b.dot.author ? -1 : 1;
  if (a.dot.seq !== b.dot.seq) return a.dot.seq - b.dot.seq;
  const ka = canonicalJson(a.value), kb = canonicalJson(b.value);
  return ka === kb ? 0 : ka < kb ? -1 : 1;
}

/** The newest of `versions` (undefined when there are none). */
export function newest<V extends Json>(versions: readonly Version<V>[]): Version<V> | undefined {
  let best: Version<V> | undefined;
  for (const v of versions) if (best === undefined || compareVersions(v, best) > 0) best = v;
  return best;
}

/** The value a register shows: the newest version's, absent when that is a tombstone. */
export function shownValue<V extends Json>(versions: readonly Version<V>[]): V | undefined {
  return newest(versions)?.value;
}
