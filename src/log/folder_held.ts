/**
 * @module folder_held
 * The versions held at a path as the fold compares with them (ids, the
 * entry that carried each, decoded vectors), kept across folds by a store
 * (folder_memory.ts; src/storage/sql_folders.ts, for one write transaction
 * only). Before, every entry's fold read every row its path held and looked
 * each vector up again: N entries of one concurrent version each of one
 * path read N²/2 rows (issue 13). Kept in step with every put and remove of
 * a cached path's rows by the store that owns it; the store drops it
 * whenever its tables may have changed otherwise.
 */

import type { VersionVector } from "./version_vector.ts";
import type { StoredVersion } from "./folder_state.ts";

/** A version held at a path, as the fold compares with it (no bytes). */
export interface HeldVersion {
  readonly id: string;
  /** The entry that carried it. */
  readonly author: string;
  readonly seq: number;
  readonly vv: VersionVector;
}

/** The vectors of rows a store loads, in their order (the fold decodes them). */
export type VectorsOf = (rows: readonly StoredVersion[]) => VersionVector[];

/**
 * Device names the cached vectors hold in all (a row counts its vector's
 * names and one more; a path {@link PATH_COST} more), past which the least
 * recently folded paths go. The path being folded always stays, whatever
 * it holds: the fold compares with every row of it, and before this cache
 * read them all into memory for each fold, bytes included.
 */
export const HELD_NAMES = 1 << 18;

/**
 * What a cached path costs beyond its rows, in names: its map and key.
 * Counting rows only let a scan or a checkpoint of 100,000 new files, each
 * path one version, keep ~870 bytes a path, 109 MiB at the limit (a
 * review measured it); with this a path of one row counts 10 and the limit
 * is about 26,000 such paths, some 23 MiB.
 */
export const PATH_COST = 8;

const cost = (h: HeldVersion) => h.vv.size + 1;

/** Paths' held versions, least recently folded first. */
export class HeldCache {
  readonly #paths = new Map<string, Map<string, HeldVersion>>();
  readonly #limit: number;
  #names = 0;

  constructor(limit = HELD_NAMES) {
    this.#limit = limit;
  }

  /** Names held in all (what the limit counts). */
  get names(): number {
    return this.#names;
  }

  /** Paths cached. */
  get size(): number {
    return this.#paths.size;
  }

  /**
   * The path's versions by id, loaded with `load` and `vectorsOf` unless
   * cached. Live: later puts and removes through this cache show in it.
   * Callers never change it themselves.
   */
  get(
    folder: string,
    path: string,
    load: () => StoredVersion[],
    vectorsOf: VectorsOf,
  ): ReadonlyMap<string, HeldVersion> {
    const key = keyOf(folder, path);
    let held = this.#paths.get(key);
    if (held !== undefined) {
      this.#paths.delete(key); // now the most recently folded
      this.#paths.set(key, held);
      return held;
    }
    const rows = load();
    const vvs = vectorsOf(rows);
    held = new Map();
    this.#names += PATH_COST;
    for (let i = 0; i < rows.length; i++) {
      const { id, author, seq } = rows[i];
      const h = { id, author, seq, vv: vvs[i] };
      held.set(id, h);
      this.#names += cost(h);
    }
    this.#paths.set(key, held);
    this.#trim();
    return held;
  }

  /** A row was written (`vv` its vector; without it a cached path is dropped). */
  put(folder: string, path: string, v: StoredVersion, vv: VersionVector | undefined): void {
    const key = keyOf(folder, path);
    const held = this.#paths.get(key);
    if (held === undefined) return;
    if (vv === undefined) return this.#drop(key);
    const old = held.get(v.id);
    if (old !== undefined) this.#names -= cost(old);
    const h = { id: v.id, author: v.author, seq: v.seq, vv };
    held.set(v.id, h);
    this.#names += cost(h);
    this.#trim();
  }

  /** A row was deleted. */
  remove(folder: string, path: string, id: string): void {
    const held = this.#paths.get(keyOf(folder, path));
    const old = held?.get(id);
    if (old === undefined) return;
    held!.delete(id);
    this.#names -= cost(old);
  }

  /** Forget every path. */
  clear(): void {
    this.#paths.clear();
    this.#names = 0;
  }

  #drop(key: string): void {
    const held = this.#paths.get(key);
    if (held === undefined) return;
    this.#paths.delete(key);
    this.#names -= PATH_COST;
    for (const h of held.values()) this.#names -= cost(h);
  }

  /** Over the limit, the least recently folded paths go, never the last one. */
  #trim(): void {
    while (this.#names > this.#limit && this.#paths.size > 1) {
      this.#drop(this.#paths.keys().next().value!);
    }
  }
}

/** One string per (folder, path), unambiguous whatever either holds. */
const keyOf = (folder: string, path: string) => `${folder.length}:${folder}/${path}`;
