/**
 * @module file_fetch_want_answer
 * What a peer's answer does to a want of the file phase (file_fetch_wants.ts):
 * its bytes came (and its twin, the same want asked of a second peer, is
 * done with too), or "none" or a peer gone puts it back in the queue —
 * unless every live peer was asked, when it is given up — and, answered,
 * a want of the same id held back behind it may go. Apart from the rest
 * of the bookkeeping because this is the one place a want leaves the
 * peers' hands, on the state Wants owns and hands over
 * (file_fetch_want_state.ts; as take() is, file_fetch_want_take.ts).
 */

import type { Item } from "./file_fetch_want_item.ts";
import type { WantState } from "./file_fetch_want_state.ts";

/** `item`'s bytes came, `length` long (they hash to its id). */
export function arriveWant(s: WantState, item: Item, length: number): void {
  s.asked.delete(item);
  item.got = true;
  const twin = item.twin;
  if (twin !== undefined) {
    twin.got = true;
    // Not asked yet: out of the queue (asked, it lands with its answer).
    if (!twin.landed && !s.asked.has(twin)) {
      twin.landed = true;
      const k = s.queue.indexOf(twin);
      if (k >= 0) s.queue.splice(k, 1);
    }
  }
  if (item.length !== 0) s.lengths.set(item.hash, length);
  landWant(s, item);
}

/**
 * Put an item back, or give it up when every live peer was asked;
 * `stopped` (Wants.stop): neither.
 */
export function requeueWant(s: WantState, item: Item, stopped: boolean): void {
  s.asked.delete(item);
  landWant(s, item);
  const twin = item.twin;
  const left = s.alive.some((a, i) => a && !item.tried.has(i));
  // Stopped: neither asked again nor failed — but peers waiting on it must wake.
  // Its bytes came, or its twin waits in the queue for it: nothing to put back.
  if (
    stopped || item.got || (twin !== undefined && !twin.landed && !s.asked.has(twin))
  ) {
    // left for the next round, or done
  } else if (left) {
    item.landed = false;
    s.queue.push(item);
  } else if (twin === undefined || !s.asked.has(twin)) s.failed.add(item.hash);
  // (else its twin, asked of another peer, may still come)
  s.notify();
}

/** `item` is answered (or back in the queue): a want of its id held back may go. */
export function landWant(s: WantState, item: Item): void {
  item.landed = true;
  // The id is still in flight, with its twin's peer.
  if (item.twin !== undefined && s.asked.has(item.twin)) return;
  s.flying.delete(item.hash);
  if (s.held.delete(item.hash)) s.notify();
}

/**
 * `peer` is gone: what it owed (`outstanding`) is put back for the others,
 * and items only it could still have served are given up.
 */
export function dropWantPeer(
  s: WantState,
  peer: number,
  outstanding: readonly Item[],
  stopped: boolean,
): void {
  s.alive[peer] = false;
  s.idle[peer] = false;
  for (const it of outstanding) requeueWant(s, it, stopped);
  const still = s.queue.filter((it) => {
    if (s.alive.some((a, j) => a && !it.tried.has(j))) return true;
    if (it.twin !== undefined && s.asked.has(it.twin)) return false; // its twin may still come
    s.failed.add(it.hash);
    return false;
  });
  s.queue.length = 0;
  for (const it of still) s.queue.push(it);
  s.notify();
}
