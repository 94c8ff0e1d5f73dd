/**
 * @module stability
 * Which entries every live device holds (pure). A device knows what a peer
 * holds only from that peer's own sessions with it: the heads the peer
 * reported at a session's start, and what it sent the peer in a session the
 * peer completed and acknowledged without refusing anything. That knowledge
 * ("acks": author → seq, per peer) is a lower bound of what the peer holds,
 * so everything derived here errs on the side of keeping entries:
 *
 * - the stable frontier of an author is the least seq every non-removed
 *   member acknowledged (and we hold): only entries at or below it may be
 *   compacted, whatever their age;
 * - an author is settled when it was removed (or retired), we hold its
 *   chain only as a checkpoint base (no entries left), and every live
 *   member acknowledged all of it: it is left out of the heads a session
 *   exchanges (nobody can lack it any more), so heads stop growing with
 *   every device that ever left;
 * - a peer that leaves out an author it earlier acknowledged, which we know
 *   as removed, settled it: its acknowledgement stands.
 */

import type { DeviceKey } from "./device_key.ts";

/** What a device knows a peer holds: author hex → last seq. */
export type Acks = Readonly<Record<string, number>>;

/** The end of one of our chains, as stability needs it. */
export interface ChainEnd {
  /** Last seq held (or covered by the base). */
  readonly seq: number;
  /** Entries at or below this seq are covered by the base checkpoint, not held. */
  readonly base: number;
}

/** What stability is computed from. */
export interface Knowledge {
  /** This device. */
  readonly self: DeviceKey;
  /** Our chain ends, by author. */
  readonly heads: ReadonlyMap<DeviceKey, ChainEnd>;
  /** Members that are admitted and not removed (this device may be among them). */
  readonly live: readonly DeviceKey[];
  /** What we know each peer holds (empty when we never completed a session with it). */
  readonly acks: (peer: DeviceKey) => Acks;
}

/**
 * Per author, the last seq that every live member holds (as far as we know)
 * and we hold too. Authors no other live member acknowledged are absent.
 */
export function stableFrontier(k: Knowledge): Map<DeviceKey, number> {
  const out = new Map<DeviceKey, number>();
  const peers = k.live.filter((m) => m !== k.self).map((m) => k.acks(m));
  for (const [author, end] of k.heads) {
    let seq = end.seq;
    for (const acks of peers) seq = Math.min(seq, acks[author.hex] ?? 0);
    if (seq > 0) out.set(author, seq);
  }
  return out;
}

/**
 * Authors left out of the heads we exchange: removed (`isRemoved`), held as
 * base only (`base === seq`), and acknowledged in full by every live member.
 */
export function settledAuthors(
  k: Knowledge,
  isRemoved: (author: DeviceKey) => boolean,
): Set<DeviceKey> {
  const out = new Set<DeviceKey>();
  const stable = stableFrontier(k);
  for (const [author, end] of k.heads) {
    if (author === k.self || end.seq === 0 || end.base !== end.seq) continue;
    if (!isRemoved(author)) continue;
    if ((stable.get(author) ?? 0) >= end.seq) out.add(author);
  }
  return out;
}

/** What one session taught us about what the peer holds. */
export interface SessionKnowledge {
  /** The heads the peer reported (author → seq); undefined when we did not get them. */
  readonly reported?: ReadonlyMap<DeviceKey, number>;
  /** Chains we sent the peer up to a seq, in a session it completed and acknowledged cleanly. */
  readonly sent?: ReadonlyMap<DeviceKey, number>;
}

/**
 * The peer's acknowledgements after a session: what it reported replaces
 * what we knew (a peer restored from a backup holds less than before);
 * an author it left out counts as held only when we know the author as
 * removed and the peer acknowledged it before (it settled it); what we
 * sent it and it took is held.
 */
export function nextAcks(
  prev: Acks,
  s: SessionKnowledge,
  isRemoved: (authorHex: string) => boolean,
): Record<string, number> {
  const out: Record<string, number> = {};
  if (s.reported === undefined) Object.assign(out, prev);
  else {
    for (const [author, seq] of s.reported) out[author.hex] = seq;
    for (const [hex, seq] of Object.entries(prev)) {
      if (out[hex] === undefined && isRemoved(hex)) out[hex] = seq;
    }
  }
  for (const [author, seq] of s.sent ?? []) {
    if ((out[author.hex] ?? 0) < seq) out[author.hex] = seq;
  }
  for (const hex of Object.keys(out)) if (!(out[hex] > 0)) delete out[hex];
  return out;
}
