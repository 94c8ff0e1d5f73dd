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
 * The peer's heads as our plan should read them, for authors we know as
 * removed (nothing is sent of them):
 * - left out, though the peer acknowledged all we hold of it: the peer
 *   settled it, it did not lose it;
 * - held by the peer up to the cut (reported, or acknowledged when left
 *   out): it holds every entry of it that counts. Ours past the cut can only
 *   be a checkpoint base taken before we heard of the removal (entries past
 *   a cut are set aside, out of the log); without this the plan asked for a
 *   checkpoint every session, which the peer refuses (exchange.ts
 *   `memberCheckpoints`), and that device could sync with nobody.
 */
export function theirHeadsFor(home: Home, peer: DeviceKey | undefined, theirs: Heads): Heads {
  if (peer === undefined) return theirs;
  const acks: Acks = home.local.peer(peer).heads;
  let out: Heads | undefined;
  for (const [author, head] of home.log.heads()) {
    const cut = home.view.member(author)?.removed?.cut;
    if (cut === undefined) continue;
    const reported = theirs.get(author)?.seq;
    if (reported !== undefined && reported >= head.seq) continue; // the plan compares hashes
    const held = reported ?? acks[author.hex] ?? 0;
    if (held < Math.min(cut, head.seq)) continue;
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
