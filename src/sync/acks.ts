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
import { type HeldPastCut, heldPastCut } from "../log/held_past_cut.ts";
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
  const settled = settledAuthors(knowledgeOf(home), removedIn(home));
  // A removed device our state holds past its cut stays listed: that is how
  // a clean member sees it should offer its checkpoint (offersRebase).
  for (const h of heldPastCutIn(home)) settled.delete(h.key);
  return settled;
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
 *   checkpoint every session, which the peer refuses
 *   (member_checkpoints.ts), and that device could sync with nobody.
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

/**
 * True when our checkpoint is a state the peer can start again from: its
 * heads (`reported`, as sent) show it holds a removed device past the cut we
 * know, we hold none of that device past the cut, and it holds at least all
 * we hold of every chain (`theirs`: as our plan reads them), so it knows
 * every removal we know — a peer that lacks some may be on the other side of
 * a race and would refuse our checkpoint; it gets entries first. A peer whose
 * base took those changes (checkpoint_rebase.ts) re-bases on it when it covers
 * the rest of its base (else it joins it, as any checkpoint).
 * docs/trust.md, "Limits".
 */
export function offersRebase(home: Home, reported: Heads, theirs: Heads): boolean {
  let past = false;
  for (const [author, h] of reported) {
    const cut = home.view.member(author)?.removed?.cut;
    if (cut === undefined || h.seq <= cut) continue;
    if ((home.log.head(author)?.seq ?? 0) > cut) return false; // our own base holds it too
    past = true;
  }
  if (!past) return false;
  for (const [author, h] of home.log.heads()) {
    if ((theirs.get(author)?.seq ?? 0) < h.seq) return false;
  }
  return true;
}

/**
 * True when our checkpoint would be refused by every member that knows the
 * removals we know: our base holds a removed device past its cut. Then a
 * peer gets what we hold as entries, and chains we hold only in the base are
 * left to other devices (docs/trust.md, "Limits").
 */
export function checkpointRefused(home: Home): boolean {
  return heldPastCutIn(home).length > 0;
}

/** Removed devices `home`'s state holds past their cut (log/held_past_cut.ts). */
export function heldPastCutIn(home: Home): HeldPastCut[] {
  return heldPastCut(home.view, (key) => home.log.head(key));
}
