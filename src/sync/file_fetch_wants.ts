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
 * peer is asked what next, and when nothing is left.
 */

import type { DeviceKey } from "../log/device_key.ts";
import { type Item, type Misstated, twinOf } from "./file_fetch_want_item.ts";
import { type TakeState, takeWants } from "./file_fetch_want_take.ts";

/** The key of a want: the same id with another length is another want. */
const keyOf = (hash: string, length: number) => `${hash}/${length}`;

/** The wants of one fetch from `peers` peers (numbered from 0). */
export class Wants {
  readonly #misstated: Misstated;
  readonly #queue: Item[] = [];
  /** Items asked of some peer and not answered yet: a "none" sends one back to the queue. */
  readonly #asked = new Set<Item>();
  readonly #wanted = new Set<string>();
  /**
   * Ids asked of some peer and not answered yet. One want per id is out at
   * a time: wants of the same id with other lengths (lies) wait for its
   * answer, which tells the id's length, and then cost nothing — else 256
   * lying lengths of one 16 MiB chunk were 4 GiB asked of an honest peer.
   */
  readonly #flying = new Set<string>();
  /** Ids with a want held back behind the one in flight (its answer wakes the peers). */
  readonly #held = new Set<string>();
  /** The length of each chunk id whose bytes came (they hash to it). */
  readonly #lengths = new Map<string, number>();
  readonly #alive: boolean[];
  /** Per peer, whether it waits with nothing asked of it and nothing it can take. */
  readonly #idle: boolean[];
  readonly #failed = new Set<string>();
  /** Per id, the peers that answered they do not have it. */
  readonly #none = new Map<string, Set<DeviceKey>>();
  #closed = false;
  #stopped = false;
  #wake: (() => void)[] = [];
  /** What take() works on: the same collections as above, not copies. */
  readonly #pick: TakeState;

  constructor(peers: number, misstated: Misstated) {
    this.#misstated = misstated;
    this.#alive = Array.from({ length: peers }, () => true);
    this.#idle = Array.from({ length: peers }, () => false);
    this.#pick = {
      queue: this.#queue,
      lengths: this.#lengths,
      flying: this.#flying,
      asked: this.#asked,
      held: this.#held,
      alive: this.#alive,
      misstated: this.#misstated,
    };
  }

  /** Ids no peer could give. */
  get failed(): ReadonlySet<string> {
    return this.#failed;
  }

  /** The peers that answered they do not have `id` (Fetcher.noneFrom). */
  noneFrom(id: string): ReadonlySet<DeviceKey> | undefined {
    return this.#none.get(id);
  }

  /** Queue `hash` wanted with `length` unless it is already (Fetcher.want). */
  want(hash: string, length: number): void {
    const key = keyOf(hash, length);
    if (this.#wanted.has(key) || this.#stopped) return;
    this.#wanted.add(key);
    this.#queue.push({ hash, length, tried: new Set() });
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
    this.#queue.length = 0;
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
    return takeWants(this.#pick, peer, room);
  }

  /** `batch` (from take()) is asked of `peer`. */
  asking(peer: number, batch: readonly Item[]): void {
    for (const it of batch) {
      it.tried.add(peer);
      this.#asked.add(it);
    }
  }

  /** `peer` (its `key`) answered it does not have `item`: another may. */
  none(item: Item, key: DeviceKey): void {
    const none = this.#none.get(item.hash);
    if (none === undefined) this.#none.set(item.hash, new Set([key]));
    else none.add(key);
    this.#requeue(item);
  }

  /** `item`'s bytes came, `length` long (they hash to its id). */
  arrived(item: Item, length: number): void {
    this.#asked.delete(item);
    item.got = true;
    const twin = item.twin;
    if (twin !== undefined) {
      twin.got = true;
      // Not asked yet: out of the queue (asked, it lands with its answer).
      if (!twin.landed && !this.#asked.has(twin)) {
        twin.landed = true;
        const k = this.#queue.indexOf(twin);
        if (k >= 0) this.#queue.splice(k, 1);
      }
    }
    if (item.length !== 0) this.#lengths.set(item.hash, length);
    this.#land(item);
    if (this.#closed) this.notify(); // peers waiting only on this item may go
  }

  /** `item`'s answer came after its twin's bytes (a slow peer's): nothing to do with it. */
  late(item: Item): void {
    this.#asked.delete(item);
    this.#land(item);
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
    this.#queue.unshift(...twins);
    if (twins.length > 0) this.notify();
  }

  /**
   * Take the queued want of `hash` with `length` out of the queue, if there
   * is one (the bytes that came for another length are its): whether it was.
   */
  unqueue(hash: string, length: number): boolean {
    const k = this.#queue.findIndex((it) => it.hash === hash && it.length === length);
    if (k < 0) return false;
    this.#queue.splice(k, 1);
    return true;
  }

  /**
   * `peer` is gone: what it owed (`outstanding`) is put back for the others,
   * and items only it could still have served are given up.
   */
  dropPeer(peer: number, outstanding: readonly Item[]): void {
    this.#alive[peer] = false;
    this.#idle[peer] = false;
    for (const it of outstanding) this.#requeue(it);
    const still = this.#queue.filter((it) => {
      if (this.#alive.some((a, j) => a && !it.tried.has(j))) return true;
      if (it.twin !== undefined && this.#asked.has(it.twin)) return false; // its twin may still come
      this.#failed.add(it.hash);
      return false;
    });
    this.#queue.length = 0;
    for (const it of still) this.#queue.push(it);
    this.notify();
  }

  /** Give up what is still queued once every peer is done. */
  giveUpRest(): void {
    for (const it of this.#queue.splice(0)) this.#failed.add(it.hash);
  }

  /** Put an item back, or give it up when every live peer was asked. */
  #requeue(item: Item): void {
    this.#asked.delete(item);
    this.#land(item);
    const twin = item.twin;
    const left = this.#alive.some((a, i) => a && !item.tried.has(i));
    // Stopped: neither asked again nor failed — but peers waiting on it must wake.
    // Its bytes came, or its twin waits in the queue for it: nothing to put back.
    if (
      this.#stopped || item.got || (twin !== undefined && !twin.landed && !this.#asked.has(twin))
    ) {
      // left for the next round, or done
    } else if (left) {
      item.landed = false;
      this.#queue.push(item);
    } else if (twin === undefined || !this.#asked.has(twin)) this.#failed.add(item.hash);
    // (else its twin, asked of another peer, may still come)
    this.notify();
  }

  /** `item` is answered (or back in the queue): a want of its id held back may go. */
  #land(item: Item): void {
    item.landed = true;
    // The id is still in flight, with its twin's peer.
    if (item.twin !== undefined && this.#asked.has(item.twin)) return;
    this.#flying.delete(item.hash);
    if (this.#held.delete(item.hash)) this.notify();
  }

  /** `peer` waits for a change with nothing outstanding (true), or works again (false). */
  idle(peer: number, idle: boolean): void {
    this.#idle[peer] = idle;
  }

  /**
   * Whether a live peer other than `peer`, not asked for `item` yet, sits
   * idle: it would take `item` at once if `peer` were dropped.
   */
  othersIdle(peer: number, item: Item): boolean {
    return this.#idle.some((idle, j) => idle && j !== peer && this.#alive[j] && !item.tried.has(j));
  }

  /** Whether the queue holds an item `peer` was not asked for. */
  pending(peer: number): boolean {
    // Usually the first item answers; only items other peers must serve are skipped.
    for (const it of this.#queue) if (!it.tried.has(peer)) return true;
    return false;
  }

  /**
   * Whether `peer` is done: closed, nothing queued for it, and no item now
   * asked of another peer that could come back to it (on "none") — a peer
   * that left early would leave that item to nobody.
   */
  doneFor(peer: number): boolean {
    if (!this.#closed || this.pending(peer)) return false;
    for (const it of this.#asked) if (!it.got && !it.tried.has(peer)) return false;
    return true;
  }
}
