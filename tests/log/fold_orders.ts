/**
 * @module fold_orders
 * Folding real signed entries into a fresh {@link MemoryState} in every
 * order a device could see them: any interleaving of the authors' logs that
 * keeps each author's seq order. Used by the state and fold tests to check
 * that a result does not depend on delivery order.
 */

import assert from "node:assert/strict";
import type { SignedEntry } from "../../src/log/entry.ts";
import { foldEntry } from "../../src/log/fold.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { MemoryState } from "../../src/log/state_memory.ts";

/** `entries` folded in the given order into a fresh state (no membership checks). */
export function foldInOrder(entries: readonly SignedEntry[]): MemoryState {
  const s = new MemoryState();
  for (const e of entries) foldEntry(s, e.entry);
  return s;
}

/** The entries grouped per author, each group in seq order. */
export function perAuthor(entries: readonly SignedEntry[]): SignedEntry[][] {
  const groups = new Map<unknown, SignedEntry[]>();
  for (const e of entries) {
    const g = groups.get(e.entry.author) ?? [];
    g.push(e);
    groups.set(e.entry.author, g);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => a.entry.seq - b.entry.seq));
}

/** Every interleaving of `lists` that keeps each list's order (keep inputs small). */
export function* interleavings<T>(lists: readonly (readonly T[])[]): Generator<T[]> {
  const live = lists.filter((l) => l.length > 0);
  if (live.length === 0) {
    yield [];
    return;
  }
  for (let i = 0; i < live.length; i++) {
    const rest = live.map((l, j) => (j === i ? l.slice(1) : l));
    for (const tail of interleavings(rest)) yield [live[i][0], ...tail];
  }
}

/**
 * Fold `entries` in every per-author-ordered interleaving; assert every
 * order gives the same state digest; return the state of one of them.
 */
export function foldEveryOrder(entries: readonly SignedEntry[]): MemoryState {
  let first: MemoryState | undefined;
  let digest = "";
  let orders = 0;
  for (const order of interleavings(perAuthor(entries))) {
    const s = foldInOrder(order);
    const d = stateDigest(s);
    if (first === undefined) [first, digest] = [s, d];
    else assert.equal(d, digest, `order ${orders} gives another state`);
    orders++;
  }
  assert.ok(first !== undefined);
  return first;
}
