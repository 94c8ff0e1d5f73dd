/**
 * @module file_fetch_want_take
 * Which wants (file_fetch_wants.ts) a peer is asked for next: a fair share
 * of the queue each, within the room its requests have left, never a
 * second want of an id already in flight (held back until it is answered),
 * and wants whose length the id's bytes have shown to be a lie settled
 * without asking. Apart from the rest of the bookkeeping because this is
 * the one choice made per request, on state Wants owns and hands over.
 */

import { MAX_WANT_IDS } from "../protocol/chunk_messages.ts";
import type { Item, Misstated } from "./file_fetch_want_item.ts";

/** The state of Wants that take() reads and changes (the same collections, shared). */
export interface TakeState {
  /** Queued wants, front first; taken ones are removed in place. */
  readonly queue: Item[];
  /** The length of each chunk id whose bytes came. */
  readonly lengths: ReadonlyMap<string, number>;
  /** Ids asked of some peer and not answered yet. */
  readonly flying: Set<string>;
  /** Items asked of some peer and not answered yet. */
  readonly asked: ReadonlySet<Item>;
  /** Ids with a want held back behind the one in flight. */
  readonly held: Set<string>;
  /** Per peer, whether it is still fetching. */
  readonly alive: readonly boolean[];
  readonly misstated: Misstated;
}

/**
 * Up to `room` bytes of items `peer` has not been asked for. Taken items
 * are removed; the scan starts at the front, so it costs what it takes
 * (plus items other peers must serve), not the queue's length.
 */
export function takeWants(s: TakeState, peer: number, room: number): Item[] {
  const out: Item[] = [];
  const keep: Item[] = [];
  let settled = 0;
  let bytes = 0;
  // A fair share each, so every live peer works from the start.
  const alive = Math.max(1, s.alive.filter(Boolean).length);
  const most = Math.min(MAX_WANT_IDS, Math.max(1, Math.ceil(s.queue.length / alive)));
  let i = 0;
  for (; i < s.queue.length && out.length < most; i++) {
    const item = s.queue[i];
    const known = item.length === 0 ? undefined : s.lengths.get(item.hash);
    if (known !== undefined && known !== item.length) {
      // The id's bytes came for another want: this one's length is a lie, and nothing to ask.
      s.misstated(item.hash, item.length, known);
      settled++;
      continue;
    }
    // A twin (file_fetch_want_item.ts) is a second want of an id in flight, on purpose.
    const twinOut = item.twin !== undefined && s.asked.has(item.twin);
    if (item.tried.has(peer) || (s.flying.has(item.hash) && !twinOut)) {
      if (!item.tried.has(peer)) s.held.add(item.hash);
      keep.push(item);
      continue;
    }
    if (out.length > 0 && bytes + item.length > room) break;
    out.push(item);
    s.flying.add(item.hash);
    bytes += item.length;
  }
  if (out.length > 0 || settled > 0) {
    s.queue.splice(0, i - keep.length);
    for (let k = 0; k < keep.length; k++) s.queue[k] = keep[k];
  }
  return out;
}
