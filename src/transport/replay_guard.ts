/**
 * @module replay_guard
 * First handshake messages one listener has taken from members, told apart
 * by the initiator's ephemeral key. An honest initiator makes a fresh one
 * for every handshake, so a first message seen twice is a replay: someone
 * who recorded a member's message (Noise IK's first message can be
 * replayed) connects with it again. A replay completes the handshake as the
 * member but can go no further (it cannot read the reply); refused at once,
 * it no longer holds a connection slot until the `hi` deadline.
 *
 * Only keys of handshakes that passed (a member's static key) are kept, so
 * a stranger cannot flush the set with junk; at most {@link MAX_KEPT}, the
 * oldest forgotten first. A removed device's attempts are told apart in a
 * guard of their own (src/sync/removed_tries.ts): here they would push
 * members' keys out, and a replay of a member's message would be answered
 * again. This memory is one process's: `sync serve
 * --listen`, which sees every connection it serves and can evict a taken
 * replay's slot (connection_slots.ts). Under socket activation (`sync serve
 * --stdio`) every connection is a process of its own; there the memory is
 * the home's, shared by its processes (src/storage/first_messages.ts),
 * behind the same {@link Replays} face.
 */

import { toHex } from "../bytes.ts";

/** Ephemeral keys kept (32 bytes each, as 64-character hex: a few MiB at most). */
export const MAX_KEPT = 65_536;

/** Where a responder tells a replay: {@link ReplayGuard}, or the home's memory. */
export interface Replays {
  /** Record `ephemeral`; false when it was recorded before (a replay). */
  admit(ephemeral: Uint8Array): boolean | Promise<boolean>;
}

/** The ephemeral keys of first messages already taken. */
export class ReplayGuard implements Replays {
  readonly #seen = new Set<string>();
  /** The keys in the order taken, as a ring: the oldest is overwritten past the cap. */
  readonly #order: string[] = [];
  #next = 0;
  readonly #max: number;

  constructor(max = MAX_KEPT) {
    this.#max = max;
  }

  /**
   * Record `ephemeral`; false when it was recorded before (a replay). Keys
   * past the cap push the oldest out. A ring, not the Set's own order:
   * deleting a Set's first entry again and again steps over the earlier
   * deletions each time (30–47 µs an admit once full, measured by a review).
   */
  admit(ephemeral: Uint8Array): boolean {
    const key = toHex(ephemeral);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#order.length < this.#max) this.#order.push(key);
    else {
      this.#seen.delete(this.#order[this.#next]);
      this.#order[this.#next] = key;
      this.#next = (this.#next + 1) % this.#max;
    }
    return true;
  }
}
