/**
 * @module sync_session
 * The state machine both ends of a sync connection drive once the handshake
 * is done (initiator and responder run the same code: after the hellos the
 * protocol is symmetric). It knows nothing about the store; it only checks
 * that the conversation is well-formed:
 *
 * - we send `entries` messages, then exactly one `done` carrying how many
 *   entries we sent; nothing after it;
 * - the peer does the same: entries after its `done`, a second `done`, or a
 *   `done` whose count differs from what arrived is a protocol violation;
 * - an `error` from either side ends the session.
 *
 * Both directions run at once, so there is no turn-taking to check.
 * Planning what to send lives in sync_plan.ts and is re-exported here.
 */

import { MycelError } from "../errors.ts";
import type { SyncMessage } from "./sync_messages.ts";

export { divergent, type Fork, planTransfer, type TransferRange } from "./sync_plan.ts";

/** Default cap on entries accepted from one peer in one session. */
export const DEFAULT_MAX_RECEIVED = 1_000_000;

/** What the caller must do with a received message. */
export type ReceiveAction =
  /** Verify and ingest these raw entries. */
  | { readonly kind: "entries"; readonly entries: readonly Uint8Array[] }
  /** The peer has sent everything. */
  | { readonly kind: "done" }
  /** The peer gave up; the session is over. */
  | { readonly kind: "peer_error"; readonly code: string; readonly message: string };

function violation(reason: string): MycelError {
  return new MycelError("protocol_violation", "sync with peer", reason, {
    hint: "The peer runs a faulty or hostile mycel; the session was stopped.",
  });
}

/** One sync conversation after the handshake, seen from one side. */
export class SyncSession {
  readonly #maxReceived: number;
  #sent = 0;
  #received = 0;
  #ourDone = false;
  #theirDone = false;
  #failed = false;

  /**
   * A new session.
   * @param options.maxReceived most entries accepted from the peer
   */
  constructor(options: { maxReceived?: number } = {}) {
    const max = options.maxReceived ?? DEFAULT_MAX_RECEIVED;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new MycelError("internal", "start sync session", "maxReceived must be an integer ≥ 0", {
        value: max,
      });
    }
    this.#maxReceived = max;
  }

  /** True once both sides' `done` were sent and received. */
  get finished(): boolean {
    return this.#ourDone && this.#theirDone;
  }

  /** True once the session ended badly (an error sent or received, or a violation). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Entries sent and received so far. */
  get counts(): { sent: number; received: number } {
    return { sent: this.#sent, received: this.#received };
  }

  #checkOpen(action: string): void {
    if (this.#failed) throw new MycelError("internal", action, "the session has ended");
  }

  /** Record that an `entries` message with `count` entries is being sent. */
  sendEntries(count: number): void {
    this.#checkOpen("send sync entries");
    if (this.#ourDone) throw new MycelError("internal", "send sync entries", "done was sent");
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new MycelError("internal", "send sync entries", "count must be an integer ≥ 0", {
        value: count,
      });
    }
    this.#sent += count;
  }

  /** Finish our side; returns the `done` message to send. */
  sendDone(): SyncMessage {
    this.#checkOpen("send sync done");
    if (this.#ourDone) throw new MycelError("internal", "send sync done", "done was sent");
    this.#ourDone = true;
    return { type: "done", sent: this.#sent };
  }

  /** Give up; returns the `error` message to send. The session is over. */
  sendError(code: string, message: string): SyncMessage {
    this.#failed = true;
    return { type: "error", code, message };
  }

  /**
   * Account for a message from the peer and say what to do with it.
   * @throws MycelError `protocol_violation` when it breaks the order above,
   * `too_many_entries` past the cap; the session has failed after either
   */
  receive(msg: SyncMessage): ReceiveAction {
    if (this.#failed) throw violation("a message arrived after the session ended");
    try {
      return this.#receive(msg);
    } catch (e) {
      this.#failed = true;
      throw e;
    }
  }

  #receive(msg: SyncMessage): ReceiveAction {
    switch (msg?.type) {
      case "entries": {
        if (this.#theirDone) throw violation("the peer sent entries after its done");
        const n = msg.entries.length;
        if (n > this.#maxReceived - this.#received) {
          throw new MycelError("too_many_entries", "sync with peer", "the peer sent too many", {
            value: `over ${this.#maxReceived} entries in one session`,
          });
        }
        this.#received += n;
        return { kind: "entries", entries: msg.entries };
      }
      case "done":
        if (this.#theirDone) throw violation("the peer sent done twice");
        if (msg.sent !== this.#received) {
          throw violation(
            `the peer says it sent ${msg.sent} entries, but ${this.#received} arrived`,
          );
        }
        this.#theirDone = true;
        return { kind: "done" };
      case "error":
        this.#failed = true;
        return { kind: "peer_error", code: msg.code, message: msg.message };
      default:
        throw violation("the peer sent a message of unknown type");
    }
  }
}
