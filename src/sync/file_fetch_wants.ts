/**
 * @module file_fetch_wants
 * Where each want of the file phase (file_fetch.ts) stands: queued, asked of
 * a peer, held back behind a want of the same id, arrived, or given up —
 * and which peers were asked, answered "none", or are gone. A want is an id
 * and a length together: a chunk asked once for the first file that named
 * it, with that file's length, let one lying version make every honest
 * peer look like a liar and be dropped (found by a review); the bytes that
 * come tell the id's length, and a want that claims another is the
 * version's fault (`Misstated`). Apart from the Fetcher, which drives the
 * peers and checks the bytes, because this bookkeeping decides alone which
 * peer is asked what next, and when nothing is left. The collections it
 * keeps are file_fetch_want_state.ts, what a peer is asked next
 * file_fetch_want_take.ts, what an answer does to a want
 * file_fetch_want_answer.ts.
 */

import type { DeviceKey } from "../log/device_key.ts";
import { type Item, type Misstated, twinOf } from "./file_fetch_want_item.ts";
import { type WantState, wantState } from "./file_fetch_want_state.ts";
import { takeWants } from "./file_fetch_want_take.ts";
import { arriveWant, dropWantPeer, landWant, requeueWant } from "./file_fetch_want_answer.ts";

/** The key of a want: the same id with another length is another want. */
const keyOf = (hash: string, length: number) => `${hash}/${length}`;

/** The wants of one fetch from `peers` peers (numbered from 0). */
export class Wants {
  /** The collections (file_fetch_want_state.ts), shared with take() and the answers. */
  readonly #s: WantState;
  #closed = false;
  #stopped = false;
  #wake: (() => void)[] = [];

  constructor(peers: number, misstated: Misstated) {
    this.#s = wantState(peers, misstated, () => this.notify());
  }

  /** Ids no peer could give. */
  get failed(): ReadonlySet<string> {
    return this.#s.failed;
  }

  /** The peers that answered they do not have `id` (Fetcher.noneFrom). */
  noneFrom(id: string): ReadonlySet<DeviceKey> | undefined {
    return this.#s.none.get(id);
  }

  /** Queue `hash` wanted with `length` unless it is already (Fetcher.want). */
  want(hash: string, length: number): void {
    const key = keyOf(hash, length);
    if (this.#s.wanted.has(key) || this.#stopped) return;
    this.#s.wanted.add(key);
    this.#s.queue.push({ hash, length, tried: new Set() });
    this.notify();
  }

  /** No more wants. */
  close(): void {
    this.#closed = true;
    this.notify();
  }

  /** Ask for nothing more; what is queued is left for the next round (Fetcher.stop). */
  stop(): void {
    this.#stopped = true;
    this.#s.queue.length = 0;
    this.close();
  }

  /** Wake every peer waiting for a change. */
  notify(): void {
    const w = this.#wake;
    this.#wake = [];
    for (const f of w) f();
  }

  /** Settles at the next change (a want, an answer, a peer gone, the close). */
  changed(): Promise<void> {
    return new Promise<void>((r) => this.#wake.push(r));
  }

  /** Up to `room` bytes of items `peer` has not been asked for (file_fetch_want_take.ts). */
  take(peer: number, room: number): Item[] {
    return takeWants(this.#s, peer, room);
  }

  /** `batch` (from take()) is asked of `peer`. */
  asking(peer: number, batch: readonly Item[]): void {
    for (const it of batch) {
      it.tried.add(peer);
      this.#s.asked.add(it);
    }
  }

  /** `peer` (its `key`) answered it does not have `item`: another may. */
  none(item: Item, key: DeviceKey): void {
    const none = this.#s.none.get(item.hash);
    if (none === undefined) this.#s.none.set(item.hash, new Set([key]));
    else none.add(key);
    this.#requeue(item);
  }

  /** `item`'s bytes came, `length` long (they hash to its id). */
  arrived(item: Item, length: number): void {
    arriveWant(this.#s, item, length);
    if (this.#closed) this.notify(); // peers waiting only on this item may go
  }

  /** `item`'s answer came after its twin's bytes (a slow peer's): nothing to do with it. */
  late(item: Item): void {
    this.#s.asked.delete(item);
    landWant(this.#s, item);
    this.notify();
  }

  /**
   * Ask the other peers too for what a slow peer was asked and has not
   * answered (its `outstanding`): each such item gets a twin at the front
   * of the queue, taken by the next peer with room; whichever answer comes
   * first is handed on.
   */
  hedge(outstanding: readonly Item[]): void {
    if (this.#stopped) return;
    const twins = outstanding.filter((it) => !it.got && !it.landed && it.twin === undefined)
      .map(twinOf);
    this.#s.queue.unshift(...twins);
    if (twins.length > 0) this.notify();
  }

  /**
   * Take the queued want of `hash` with `length` out of the queue, if there
   * is one (the bytes that came for another length are its): whether it was.
   */
  unqueue(hash: string, length: number): boolean {
    const k = this.#s.queue.findIndex((it) => it.hash === hash && it.length === length);
    if (k < 0) return false;
    this.#s.queue.splice(k, 1);
    return true;
  }

  /**
   * `peer` is gone: what it owed (`outstanding`) is put back for the others,
   * and items only it could still have served are given up (file_fetch_want_answer.ts).
   */
  dropPeer(peer: number, outstanding: readonly Item[]): void {
    dropWantPeer(this.#s, peer, outstanding, this.#stopped);
  }

  /** Give up what is still queued once every peer is done. */
  giveUpRest(): void {
    for (const it of this.#s.queue.splice(0)) this.#s.failed.add(it.hash);
  }

  /** Put an item back, or give it up when every live peer was asked (file_fetch_want_answer.ts). */
  #requeue(item: Item): void {
    requeueWant(this.#s, item, this.#stopped);
  }

  /** `peer` waits for a change with nothing outstanding (true), or works again (false). */
  idle(peer: number, idle: boolean): void {
    this.#s.idle[peer] = idle;
  }

  /**
   * Whether a live peer other than `peer`, not asked for `item` yet, sits
   * idle: it would take `item` at once if `peer` were dropped.
   */
  othersIdle(peer: number, item: Item): boolean {
    return this.#s.idle.some((idle, j) =>
      idle && j !== peer && this.#s.alive[j] && !item.tried.has(j)
    );
  }

  /** Whether the queue holds an item `peer` was not asked for. */
  pending(peer: number): boolean {
    // Usually the first item answers; only items other peers must serve are skipped.
    for (const it of this.#s.queue) if (!it.tried.has(peer)) return true;
    return false;
  }

  /**
   * Whether `peer` is done: closed, nothing queued for it, and no item now
   * asked of another peer that could come back to it (on "none") — a peer
   * that left early would leave that item to nobody.
   */
  doneFor(peer: number): boolean {
    if (!this.#closed || this.pending(peer)) return false;
    for (const it of this.#s.asked) if (!it.got && !it.tried.has(peer)) return false;
    return true;
  }
}
