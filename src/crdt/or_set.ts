/**
 * @module or_set
 * Observed-remove set of identified values (add wins over a concurrent remove).
 *
 * Every add is tagged with a dot `(author, seq)`: the log entry that made it,
 * so two adds can never collide. A remove carries the dots it observed and
 * deletes only those; an add it did not see survives. Instead of keeping
 * tombstones forever, each replica keeps a version vector of the entries it
 * has seen (`seen`): a dot at or below it that is no longer stored was removed.
 * A remove that arrives before the add it observed is parked in `pending`
 * until that add arrives, and parked dots are dropped as soon as the version
 * vector covers them, so the bookkeeping stays bounded by the number of
 * devices plus removes still in flight.
 */

import { compareHlc, type Hlc } from "./hlc.ts";
import type { Json } from "./json.ts";

/** The log entry an add came from. */
export interface Dot {
  /** Device id of the entry's author. */
  readonly author: string;
  /** The entry's sequence number in its author's log (1-based). */
  readonly seq: number;
}

/** One add of a value: its dot and the HLC stamp of the entry. */
export interface Tag<V extends Json = Json> {
  /** Which entry added it. */
  readonly dot: Dot;
  /** When; the newest tag supplies the element's value. */
  readonly stamp: Hlc;
  /** The value added. */
  readonly value: V;
}

/** Stable string key of a dot. */
export function dotKey(dot: Dot): string {
  return `${dot.seq}@${dot.author}`;
}

function compareDots(a: Dot, b: Dot): number {
  if (a.author !== b.author) return a.author < b.author ? -1 : 1;
  return a.seq - b.seq;
}

/** Observed-remove set keyed by element id. Mutable; `merge` joins in place. */
export class OrSet<V extends Json = Json> {
  readonly #store = new Map<string, Map<string, Tag<V>>>();
  readonly #seen = new Map<string, number>();
  readonly #pending = new Map<string, Map<string, Dot>>();

  /** True when entry `dot` has been observed (applied) by this replica. */
  #covered(dot: Dot): boolean {
    return dot.seq <= (this.#seen.get(dot.author) ?? 0);
  }

  /** Apply an add of element `id` made by the entry `tag.dot`. */
  add(id: string, tag: Tag<V>): void {
    const parked = this.#pending.get(id);
    const key = dotKey(tag.dot);
    // A remove that observed this add arrived first: the add is void. The
    // parked dot stays until `observe` covers the entry, so a second add of
    // the same id in the same entry is voided too.
    if (parked?.has(key)) return;
    if (this.#covered(tag.dot)) return; // already applied (or already removed)
    let tags = this.#store.get(id);
    if (tags === undefined) this.#store.set(id, tags = new Map());
    tags.set(key, tag);
  }

  /** Apply a remove of element `id` that observed the adds `dots`. */
  remove(id: string, dots: readonly Dot[]): void {
    const tags = this.#store.get(id);
    for (const dot of dots) {
      const key = dotKey(dot);
      if (tags?.delete(key)) continue;
      if (this.#covered(dot)) continue; // add seen and already removed
      let parked = this.#pending.get(id);
      if (parked === undefined) this.#pending.set(id, parked = new Map());
      parked.set(key, { author: dot.author, seq: dot.seq });
    }
    if (tags?.size === 0) this.#store.delete(id);
  }

  /** Record that entry `(author, seq)` has been applied (in author order). */
  observe(author: string, seq: number): void {
    if (seq <= (this.#seen.get(author) ?? 0)) return;
    this.#seen.set(author, seq);
    this.#dropCoveredPending();
  }

  #dropCoveredPending(): void {
    for (const [id, parked] of this.#pending) {
      for (const [key, dot] of parked) if (this.#covered(dot)) parked.delete(key);
      if (parked.size === 0) this.#pending.delete(id);
    }
  }

  /** True when element `id` is present. */
  has(id: string): boolean {
    return this.#store.has(id);
  }

  /** The dots a remove of `id` observes right now. */
  dots(id: string): Dot[] {
    return [...(this.#store.get(id)?.values() ?? [])].map((t) => t.dot).sort(compareDots);
  }

  /** Value of `id`: the newest add's value (ties by dot). */
  get(id: string): V | undefined {
    let best: Tag<V> | undefined;
    for (const t of this.#store.get(id)?.values() ?? []) {
      if (best === undefined) best = t;
      else {
        const c = compareHlc(t.stamp, best.stamp);
        if (c > 0 || (c === 0 && compareDots(t.dot, best.dot) > 0)) best = t;
      }
    }
    return best?.value;
  }

  /** Present elements and their values, sorted by id. */
  entries(): [string, V][] {
    return [...this.#store.keys()].sort().map((id) => [id, this.get(id) as V]);
  }

  /** Number of present elements. */
  get size(): number {
    return this.#store.size;
  }

  /** Join `other` into this set (state-based merge). */
  merge(other: OrSet<V>): this {
    const ids = new Set([...this.#store.keys(), ...other.#store.keys()]);
    for (const id of ids) {
      const mine = this.#store.get(id) ?? new Map<string, Tag<V>>();
      const theirs = other.#store.get(id) ?? new Map<string, Tag<V>>();
      const kept = new Map<string, Tag<V>>();
      for (const [k, t] of mine) {
        if (theirs.has(k) || !other.#inContext(id, t.dot)) kept.set(k, t);
      }
      for (const [k, t] of theirs) if (!mine.has(k) && !this.#inContext(id, t.dot)) kept.set(k, t);
      if (kept.size > 0) this.#store.set(id, kept);
      else this.#store.delete(id);
    }
    for (const [author, seq] of other.#seen) {
      if (seq > (this.#seen.get(author) ?? 0)) this.#seen.set(author, seq);
    }
    for (const [id, parked] of other.#pending) {
      let mine = this.#pending.get(id);
      if (mine === undefined) this.#pending.set(id, mine = new Map());
      for (const [k, d] of parked) mine.set(k, d);
    }
    this.#dropCoveredPending();
    return this;
  }

  /** True when this replica has seen `dot` as far as element `id` goes. */
  #inContext(id: string, dot: Dot): boolean {
    return this.#covered(dot) || (this.#pending.get(id)?.has(dotKey(dot)) ?? false);
  }

  /** An independent copy. */
  clone(): OrSet<V> {
    const copy = new OrSet<V>();
    copy.merge(this);
    return copy;
  }

  /** Full state for encoding: tags per id, version vector, parked removes; all sorted. */
  state(): OrSetState<V> {
    const sortedIds = (m: Map<string, unknown>) => [...m.keys()].sort();
    return {
      tags: sortedIds(this.#store).map((id) => [
        id,
        [...this.#store.get(id)!.values()].sort((a, b) => compareDots(a.dot, b.dot)),
      ]),
      seen: [...this.#seen].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      pending: sortedIds(this.#pending).map((id) => [
        id,
        [...this.#pending.get(id)!.values()].sort(compareDots),
      ]),
    };
  }

  /** Rebuild a set from {@link OrSet.state} output. */
  static fromState<V extends Json>(s: OrSetState<V>): OrSet<V> {
    const set = new OrSet<V>();
    for (const [id, tags] of s.tags) {
      set.#store.set(id, new Map(tags.map((t) => [dotKey(t.dot), t])));
    }
    for (const [author, seq] of s.seen) set.#seen.set(author, seq);
    for (const [id, dots] of s.pending) {
      set.#pending.set(id, new Map(dots.map((d) => [dotKey(d), d])));
    }
    return set;
  }
}

/** Plain, sorted form of an {@link OrSet} (input to codecs and digests). */
export interface OrSetState<V extends Json = Json> {
  /** Present elements with all their live tags. */
  tags: [string, Tag<V>[]][];
  /** Version vector: highest contiguous entry seen per author. */
  seen: [string, number][];
  /** Removes waiting for the add they observed. */
  pending: [string, Dot[]][];
}
