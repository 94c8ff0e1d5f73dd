/**
 * @module rebuild
 * Folding a replica again from its base (pure: the caller passes the state,
 * a reader of candidate entries and a reset). Needed when removals cut below
 * entries already folded, or when a removal arrives inside an entry that is
 * itself past a cut (a race: removals.ts decides which count).
 *
 * One pass: reset the state to the base; raise each removal's `upTo` to what
 * its author's entries show it had seen (witness.ts; first pass only, the
 * base being the same every pass); decide which removals count and
 * the cut of every removed device (removals.ts); fold every author's entries
 * in seq order up to its cut, as long as its author is admitted (admissions
 * fold in any order, so passes over the authors repeat until nothing more
 * folds); then apply the removals that count but sit in entries that did not
 * fold. A removal whose author ends up never admitted cannot count: when
 * such removals were considered, the pass runs again without them (a
 * bounded number of times; every pass only drops removals).
 *
 * Invariant: the result depends only on the base and the set of candidate
 * entries, never on the order they arrived in, so every device holding the
 * same entries folds the same state.
 */

import type { DeviceKey } from "./device_key.ts";
import type { SignedEntry } from "./entry.ts";
import { foldEntry } from "./fold.ts";
import { EMPTY_MEMBER, mayFold, remove } from "./membership.ts";
import { resolveRemovals, type RevokeEvent } from "./removals.ts";
import type { StateStore } from "./state.ts";
import { witnessedEvents } from "./witness.ts";

/** Where the entries to fold come from. */
export interface RebuildSource {
  /** Every author with candidate entries. */
  authors(): Iterable<DeviceKey>;
  /** Candidate entries of `author` with seq > `after`, in seq order, at most `limit`. */
  read(author: DeviceKey, after: number, limit: number): SignedEntry[];
}

/** How to rebuild. */
export interface RebuildOptions {
  /** Clear the state and put the base back (before every pass). */
  reset(): Promise<void> | void;
  /** Every removal written in a candidate entry. */
  events: readonly RevokeEvent[];
  /** Authors whose first entries fold before any admission (this device; see Ingest). */
  trusted?: ReadonlySet<DeviceKey>;
}

/** What the rebuild decided. */
export interface RebuildResult {
  /** Per removed device, the cut in force. */
  cuts: Map<DeviceKey, number>;
  /** Passes run (1 unless removals by never-admitted devices had to be dropped). */
  passes: number;
}

const BATCH = 1000;
const MAX_PASSES = 8;

/** Rebuild `state` from the base and `source`; see the module doc. */
export async function rebuildState(
  state: StateStore,
  source: RebuildSource,
  o: RebuildOptions,
): Promise<RebuildResult> {
  let events = [...o.events];
  for (let pass = 1;; pass++) {
    await o.reset();
    // A removal cuts no lower than its author's entries show it had seen
    // (witness.ts): computed once, from the base and each author's chain.
    if (pass === 1) {
      events = witnessedEvents(
        events,
        (a) => state.member(a),
        (a) => state.seen(a),
        (a, after, limit) => source.read(a, after, limit),
      );
    }
    const fixed = new Map<DeviceKey, number>();
    for (const author of source.authors()) {
      const cut = state.member(author)?.removed?.cut;
      if (cut !== undefined) fixed.set(author, cut);
    }
    for (const e of events) {
      const cut = state.member(e.subject)?.removed?.cut;
      if (cut !== undefined) fixed.set(e.subject, cut);
    }
    const { counted, cuts } = resolveRemovals(events, fixed);
    foldUpToCuts(state, source, cuts, o.trusted ?? new Set());
    for (const e of counted) {
      if (e.seq <= state.seen(e.author)) continue; // folded with its entry
      const row = state.member(e.subject) ?? EMPTY_MEMBER;
      state.putMember(
        e.subject,
        remove(row, { by: e.author, wall: e.wall, counter: e.counter, upTo: e.upTo }),
      );
    }
    const eligible = events.filter((e) => state.member(e.author)?.added !== undefined);
    if (eligible.length === events.length || pass === MAX_PASSES) return { cuts, passes: pass };
    events = eligible;
  }
}

function foldUpToCuts(
  state: StateStore,
  source: RebuildSource,
  cuts: ReadonlyMap<DeviceKey, number>,
  trusted: ReadonlySet<DeviceKey>,
): void {
  const authors = [...source.authors()].sort((a, b) => a.compare(b));
  for (let progress = true; progress;) {
    progress = false;
    for (const author of authors) {
      const cut = cuts.get(author) ?? Number.MAX_SAFE_INTEGER;
      for (;;) {
        const from = state.seen(author);
        if (from >= cut) break;
        const batch = source.read(author, from, BATCH);
        let folded = 0;
        for (const e of batch) {
          if (e.entry.seq > cut) break;
          const row = state.member(author);
          const bootstrap = trusted.has(author) && row?.added === undefined &&
            row?.removed === undefined;
          if (!bootstrap && !mayFold(row, e.entry.seq)) break;
          foldEntry(state, e.entry);
          folded++;
        }
        if (folded > 0) progress = true;
        if (folded < BATCH) break;
      }
    }
  }
}
