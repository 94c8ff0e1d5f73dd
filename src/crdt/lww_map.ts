/**
 * @module lww_map
 * A map of independent last-writer-wins registers: concurrent writes to
 * different keys both survive, and each key converges on its newest write.
 * A removal is a write of "absent", kept with its stamp so an older,
 * concurrent write cannot bring the key back.
 */

import type { Hlc } from "./hlc.ts";
import type { Json } from "./json.ts";
import { compareWrites, LWW_BOTTOM, type LwwRegister } from "./lww_register.ts";

/** Map from string keys to LWW registers. Mutable; `merge` joins in place. */
export class LwwMap<V extends Json = Json> {
  readonly #registers = new Map<string, LwwRegister<V>>();

  /** Offer a write; it takes effect only if it beats the key's current one. */
  apply(key: string, write: LwwRegister<V>): boolean {
    const current = this.#registers.get(key);
    if (current !== undefined && compareWrites(write, current) <= 0) return false;
    this.#registers.set(key, write);
    return true;
  }

  /** Set `key` to `value` as of `stamp`. Returns true when this write won. */
  set(key: string, value: V, stamp: Hlc): boolean {
    return this.apply(key, { stamp, value });
  }

  /** Remove `key` as of `stamp`. Returns true when the removal won. */
  delete(key: string, stamp: Hlc): boolean {
    return this.apply(key, { stamp, value: undefined });
  }

  /** The live value of `key`, or undefined when absent. */
  get(key: string): V | undefined {
    return this.#registers.get(key)?.value;
  }

  /** The register of `key`, or the bottom register. */
  register(key: string): LwwRegister<V> {
    return this.#registers.get(key) ?? LWW_BOTTOM;
  }

  /** Live entries (absent keys skipped), sorted by key. */
  entries(): [string, V][] {
    const out: [string, V][] = [];
    for (const [k, r] of this.#registers) if (r.value !== undefined) out.push([k, r.value]);
    return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Every register including removals, sorted by key (for encoding). */
  registers(): [string, LwwRegister<V>][] {
    return [...this.#registers].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Number of live keys. */
  get size(): number {
    let n = 0;
    for (const r of this.#registers.values()) if (r.value !== undefined) n++;
    return n;
  }

  /** Join `other` into this map. Commutative, associative, idempotent. */
  merge(other: LwwMap<V>): this {
    for (const [k, r] of other.#registers) this.apply(k, r);
    return this;
  }

  /** An independent copy. */
  clone(): LwwMap<V> {
    const copy = new LwwMap<V>();
    for (const [k, r] of this.#registers) copy.#registers.set(k, r);
    return copy;
  }

  /**
   * Forget removals at or before `stable`: once every device has seen them,
   * no older write can still arrive, so the tombstone has done its job.
   */
  compact(isStable: (stamp: Hlc) => boolean): number {
    let dropped = 0;
    for (const [k, r] of this.#registers) {
      if (r.value === undefined && isStable(r.stamp)) {
        this.#registers.delete(k);
        dropped++;
      }
    }
    return dropped;
  }
}
