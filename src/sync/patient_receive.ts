/**
 * @module patient_receive
 * A session's read deadline that counts from the last sign of life, not
 * from when the read began, and grows with what we sent the peer that it
 * may still be taking in. The peer stores what it receives before it says
 * anything more (its `ack` comes once, after all of it), and what we sent
 * may sit unread in the socket buffers meanwhile — up to tens of MB on
 * Linux. Before, our wait for that `ack` began as soon as the peer sent its
 * own `end`, long before we finished sending, and ran out at the read
 * deadline: a receiver slower than that over the last buffered megabytes
 * failed the round ("no data within 10s") although every entry arrived
 * (tests/sync/resume_test.ts). A sign of life: a message from the peer, or
 * one of ours taken by the connection (a peer that reads nothing stops our
 * writes once the buffers are full). What a silent peer can gain is
 * bounded (session_bounds.ts `unreadGraceMs`, about 2 minutes at most),
 * and the whole session keeps its own deadline.
 */

import { MAX_TIMER_MS, seconds, timeoutError } from "../deadline.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { unreadGraceMs } from "./session_bounds.ts";

/** Reads of `channel` whose deadline follows the session's life. */
export class PatientReceive {
  #lastLife = performance.now();
  readonly #channel: SecureChannel;
  readonly #readTimeoutMs: number;

  constructor(channel: SecureChannel, readTimeoutMs: number) {
    this.#channel = channel;
    this.#readTimeoutMs = readTimeoutMs;
  }

  /** The connection took a message of ours: the peer is reading. */
  sent(): void {
    this.#lastLife = performance.now();
  }

  /**
   * The next message (null: the peer hung up cleanly); `started`: a read of
   * the channel begun earlier (exchange_our_end.ts), now under this deadline.
   */
  async receive(started?: Promise<Uint8Array | null>): Promise<Uint8Array | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silent = new Promise<never>((_, reject) => {
      const check = () => {
        const grace = unreadGraceMs(this.#channel.bytesSent);
        const left = this.#lastLife + this.#readTimeoutMs + grace - performance.now();
        if (left > 0) {
          timer = setTimeout(check, Math.min(Math.ceil(left), MAX_TIMER_MS));
          return;
        }
        this.#channel.close(); // ends the read below
        // The whole wait, said as it was ("no data within 2s" after 17 s
        // misled), once the grace is a second or more (512 KiB sent).
        const reason = grace < 1000
          ? `no data within ${seconds(this.#readTimeoutMs)}`
          : `no data within ${seconds(this.#readTimeoutMs + grace)} (${
            seconds(this.#readTimeoutMs)
          } and ${seconds(grace)} more for what it was sent)`;
        reject(timeoutError("read from peer", reason, this.#channel.peer));
      };
      timer = setTimeout(check, this.#readTimeoutMs);
    });
    try {
      // The channel's own deadline only bounds a read our check would end first.
      const raw = await Promise.race([started ?? this.#channel.receive(MAX_TIMER_MS), silent]);
      this.#lastLife = performance.now();
      return raw;
    } finally {
      clearTimeout(timer);
    }
  }
}
