/**
 * @module two_phase_set
 * Two-phase set: an element may be added and later removed, and a removal is
 * permanent — removal wins over any add, earlier or later, so a revoked device
 * can never come back (re-pairing makes a new key, hence a new element).
 * Each add and remove carries metadata (who, when); when the same element is
 * added twice, a caller-given `pick` chooses which metadata to keep. `pick`
 * must be a deterministic join (commutative, associative, idempotent), e.g.
 * "the one with the older stamp".
 */

import type { Json } from "./json.ts";

/** Chooses one of two metadata records for the same element `id`. */
export type Pick<T> = (a: T, b: T, id: string) => T;

/** A 2P set keyed by string id, with metadata per add and per remove. */
export class TwoPhaseSet<T extends Json = Json> {
  readonly #added = new Map<string, T>();
  readonly #removed = new Map<string, T>();
  readonly #pick: Pick<T>;

  /**
   * An empty set.
   * @param pick deterministic choice between two records of the same id
   */
  constructor(pick: Pick<T>) {
    this.#pick = pick;
  }

  static #put<T>(map: Map<string, T>, id: string, meta: T, pick: Pick<T>): void {
    const current = map.get(id);
    map.set(id, current === undefined ? meta : pick(current, meta, id));
  }

  /** Add `id`. Has no visible effect if `id` was ever removed. */
  add(id: string, meta: T): void {
    TwoPhaseSet.#put(this.#added, id, meta, this.#pick);
  }

  /** Remove `id` for good (also before it was added). */
  remove(id: string, meta: T): void {
    TwoPhaseSet.#put(this.#removed, id, meta, this.#pick);
  }

  /** True when `id` was added and never removed. */
  has(id: string): boolean {
    return this.#added.has(id) && !this.#removed.has(id);
  }

  /** True when `id` was removed. */
  isRemoved(id: string): boolean {
    return this.#removed.has(id);
  }

  /** Add metadata of `id`, if it was ever added. */
  added(id: string): T | undefined {
    return this.#added.get(id);
  }

  /** Remove metadata of `id`, if it was removed. */
  removed(id: string): T | undefined {
    return this.#removed.get(id);
  }

  /** Ids currently in the set, sorted. */
  members(): string[] {
    return [...this.#added.keys()].filter((id) => !this.#removed.has(id)).sort();
  }

  /** Every id ever added or removed, sorted. */
  ids(): string[] {
    return [...new Set([...this.#added.keys(), ...this.#removed.keys()])].sort();
  }

  /** Join `other` into this set. */
  merge(other: TwoPhaseSet<T>): this {
    for (const [id, m] of other.#added) TwoPhaseSet.#put(this.#added, id, m, this.#pick);
    for (const [id, m] of other.#removed) TwoPhaseSet.#put(this.#removed, id, m, this.#pick);
    return this;
  }

  /** An independent copy (same `pick`). */
  clone(): TwoPhaseSet<T> {
    return new TwoPhaseSet(this.#pick).merge(this);
  }

  /** Plain sorted form for codecs and digests: [adds, removes]. */
  state(): { added: [string, T][]; removed: [string, T][] } {
    const sorted = (m: Map<string, T>) =>
      [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { added: sorted(this.#added), removed: sorted(this.#removed) };
  }
}
