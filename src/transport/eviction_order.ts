/**
 * @module eviction_order
 * Which connections make room for a new one when too many are held before
 * they authenticate (pure: no I/O). The one rule behind both the foreground
 * listener's slots (connection_slots.ts) and the socket-activated processes
 * of a home (src/sync/stdio_admission.ts): first the connections that have
 * shown nothing (`quiet`), oldest first; then, only once none of those is
 * left, the `promoted` ones (from a source members used, or whose first
 * handshake message was admitted as a member's), oldest first; never a
 * `kept` one (authenticated: a member's live session).
 */

/** How far a held connection got. */
export type Standing = "quiet" | "promoted" | "kept";

/** A held connection as the rule sees it. */
export interface Held {
  /** How far it got. */
  readonly standing: Standing;
  /** When it was taken; ties keep the order given. */
  readonly since: number;
}

const RANK: Record<Standing, number> = { quiet: 0, promoted: 1, kept: 2 };

/**
 * Those of `held` that may be evicted, in the order they should be: quiet
 * before promoted, each oldest first (stable for equal `since`); kept ones
 * are left out.
 */
export function evictionOrder<T extends Held>(held: readonly T[]): T[] {
  return held
    .map((h, i) => ({ h, i }))
    .filter(({ h }) => h.standing !== "kept")
    .sort((a, b) => RANK[a.h.standing] - RANK[b.h.standing] || a.h.since - b.h.since || a.i - b.i)
    .map(({ h }) => h);
}

/**
 * The connections to evict so that at most `max` of `held` stay: the first
 * `held.length - max` of {@link evictionOrder} (fewer when not enough can
 * be evicted; none when `held` fits).
 */
export function evictionVictims<T extends Held>(held: readonly T[], max: number): T[] {
  const over = held.length - Math.max(0, max);
  return over > 0 ? evictionOrder(held).slice(0, over) : [];
}
