/**
 * @module acks
 * What this device knows its peers hold, read from a home (the rules are in
 * src/log/stability.ts): the knowledge compaction and the heads exchange
 * start from, which authors are settled (left out of the heads we send),
 * and the peer's heads as a plan should read them (an author the peer left
 * out because it settled it is not an author it lacks).
 */

import type { DeviceKey } from "../log/device_key.ts";
import {
  type Acks,
  type Knowledge,
  nextAcks,
  type SessionKnowledge,
  settledAuthors,
} from "../log/stability.ts";
import { keyOfHex } from "../log/state_rows.ts";
import type { Heads } from "../protocol/sync_heads.ts";
import type { Home } from "../storage/home_handle.ts";

/** Stability knowledge of `home` as it stands. */
export function knowledgeOf(home: Home): Knowledge {
  const books = home.local.peers();
  return {
    self: home.device,
    heads: home.log.heads(),
    live: home.view.members().filter((m) => m.removed === undefined).map((m) => m.record.key),
    acks: (peer) => books.get(peer)?.heads ?? {},
  };
}

/** True when `author` is removed (or retired) in `home`'s state. */
export function removedIn(home: Home): (author: DeviceKey) => boolean {
  return (author) => home.view.member(author)?.removed !== undefined;
}

/** Authors `home` leaves out of the heads it sends. */
export function settledIn(home: Home): Set<DeviceKey> {
  return settledAuthors(knowledgeOf(home), removedIn(home));
}

/**
 * The peer's heads as our plan should read them: an author we know as
 * removed that the peer left out, though it acknowledged all we hold of it,
 * was settled by the peer, not lost (counted as held, so nothing is sent).
 */
export function theirHeadsFor(home: Home, peer: DeviceKey | undefined, theirs: Heads): Heads {
  if (peer === undefined) return theirs;
  const acks: Acks = home.local.peer(peer).heads;
  const removed = removedIn(home);
  let out: Heads | undefined;
  for (const [author, head] of home.log.heads()) {
    if (theirs.has(author) || !removed(author)) continue;
    if ((acks[author.hex] ?? 0) < head.seq) continue;
    out ??= new Map(theirs);
    out.set(author, { seq: head.seq, hash: head.hash });
  }
  return out ?? theirs;
}

/** The peer's acknowledgements after a session (see {@link nextAcks}). */
export function acksAfter(home: Home, prev: Acks, s: SessionKnowledge): Record<string, number> {
  const removed = removedIn(home);
  return nextAcks(prev, s, (hex) => removed(keyOfHex(hex)));
}
