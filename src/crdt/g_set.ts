/**
 * @module g_set
 * Grow-only set of strings: elements are only ever added, so merge is set
 * union. Used for the installed-app list (apps are never auto-removed).
 */

/** A grow-only set of strings. Mutable; `merge` joins in place. */
export class GSet {
  readonly #items = new Set<string>();

  /** Build a set holding `items`. */
  constructor(items: Iterable<string> = []) {
    for (const i of items) this.#items.add(i);
  }

  /** Add `item`; true when it was new. */
  add(item: string): boolean {
    if (this.#items.has(item)) return false;
    this.#items.add(item);
    return true;
  }

  /** True when `item` was ever added. */
  has(item: string): boolean {
    return this.#items.has(item);
  }

  /** Every element, sorted. */
  values(): string[] {
    return [...this.#items].sort();
  }

  /** Number of elements. */
  get size(): number {
    return this.#items.size;
  }

  /** Union `other` into this set. */
  merge(other: GSet): this {
    for (const i of other.#items) this.#items.add(i);
    return this;
  }

  /** An independent copy. */
  clone(): GSet {
    return new GSet(this.#items);
  }
}
