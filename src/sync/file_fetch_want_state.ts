/**
 * @module file_fetch_want_state
 * The collections that say where each want of the file phase stands
 * (file_fetch_wants.ts): the queue, what is asked and of which ids, what
 * is held back, what came and how long it was, which peers are alive or
 * idle, what failed and who answered "none". Apart from the Wants class
 * because three modules work on the same collections — Wants itself, the
 * choice of what a peer is asked next (file_fetch_want_take.ts) and what
 * an answer does to a want (file_fetch_want_answer.ts) — and each takes
 * this one object, not copies.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { Item, Misstated } from "./file_fetch_want_item.ts";

/** Where the wants of one fetch stand; shared, never copied. */
export interface WantState {
  /** Queued wants, front first. */
  readonly queue: Item[];
  /** Items asked of some peer and not answered yet: a "none" sends one back to the queue. */
  readonly asked: Set<Item>;
  /** The keys (id and length) of every want queued so far. */
  readonly wanted: Set<string>;
  /**
   * Ids asked of some peer and not answered yet. One want per id is out at
   * a time: wants of the same id with other lengths (lies) wait for its
   * answer, which tells the id's length, and then cost nothing — else 256
   * lying lengths of one 16 MiB chunk were 4 GiB asked of an honest peer.
   */
  readonly flying: Set<string>;
  /** Ids with a want held back behind the one in flight (its answer wakes the peers). */
  readonly held: Set<string>;
  /** The length of each chunk id whose bytes came (they hash to it). */
  readonly lengths: Map<string, number>;
  /** Per peer, whether it is still fetching. */
  readonly alive: boolean[];
  /** Per peer, whether it waits with nothing asked of it and nothing it can take. */
  readonly idle: boolean[];
  /** Ids no peer could give. */
  readonly failed: Set<string>;
  /** Per id, the peers that answered they do not have it. */
  readonly none: Map<string, Set<DeviceKey>>;
  readonly misstated: Misstated;
  /** Wake every peer waiting for a change. */
  readonly notify: () => void;
}

/** The state of a fetch from `peers` peers (numbered from 0), nothing wanted yet. */
export function wantState(peers: number, misstated: Misstated, notify: () => void): WantState {
  return {
    queue: [],
    asked: new Set(),
    wanted: new Set(),
    flying: new Set(),
    held: new Set(),
    lengths: new Map(),
    alive: Array.from({ length: peers }, () => true),
    idle: Array.from({ length: peers }, () => false),
    failed: new Set(),
    none: new Map(),
    misstated,
    notify,
  };
}
