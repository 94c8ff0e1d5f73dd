/**
 * @module sync_session
 * The state machine of what a peer may send after the handshake (both sides
 * run the same one: the protocol is symmetric). It owns the conversation's
 * order and counts; it knows nothing about storage:
 *
 *   hi → heads…(last)? → (wait? (checkpoint…(last) | parts head…(last) part*))? → entries* → end
 *   (and one `ack` anywhere after our own `end`, if we sent anything)
 *
 * - `heads` come only when the digests in the two `hi`s differ, and must end
 *   with `last`, listing at most {@link MAX_AUTHORS} authors in all;
 * - a checkpoint's chunks must end with `last` and stay under its size cap;
 *   one checkpoint a session;
 * - a checkpoint in parts: its head's chunks, then its parts' chunks, each
 *   ending with `last` (sizes and counts are the caller's to hold against
 *   the head: exchange_parts_in.ts); never beside a checkpoint, nor after
 *   entries;
 * - a checkpoint wait (`cpw`) only if our `hi` said we take it, once, before
 *   any checkpoint or entries; then a checkpoint must follow before any
 *   entries or `end` ({@link SyncSession.checkpointDue}: the caller reads it
 *   under the whole checkpoint's deadline, not a read's);
 * - `end.sent` must equal the entries that arrived;
 * - `ack` comes only after our own `end`, if we sent anything;
 * - `error` ends the session; anything else out of order is a violation.
 */

import { MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { MAX_CHECKPOINT_BYTES } from "../log/checkpoint.ts";
import { MAX_AUTHORS } from "./sync_fields.ts";
import type { Heads } from "./sync_heads.ts";
import { ABILITY_CHECKPOINT_WAIT, OUR_ABILITIES, type SyncMessage } from "./sync_messages.ts";

type HiMessage = Extract<SyncMessage, { type: "hi" }>;

/** What the caller must do with a received message. */
export type ReceiveAction =
  | ({ readonly kind: "hi" } & Omit<HiMessage, "type">)
  | { readonly kind: "heads"; readonly heads: Heads }
  | { readonly kind: "checkpoint"; readonly bytes: Uint8Array }
  | {
    readonly kind: "parts_head" | "part";
    readonly chunk: Uint8Array;
    readonly last: boolean;
  }
  | { readonly kind: "checkpoint_wait" }
  | { readonly kind: "entries"; readonly entries: readonly Uint8Array[] }
  | { readonly kind: "end"; readonly more: boolean }
  | { readonly kind: "ack"; readonly accepted: number; readonly refused: number }
  | { readonly kind: "peer_error"; readonly code: string; readonly message: string }
  | { readonly kind: "none" };

function violation(reason: string): MycelError {
  return new MycelError("protocol_violation", "sync with peer", reason, {
    hint: "The peer runs a faulty or hostile mycel; the session was stopped.",
  });
}

type Phase = "hi" | "heads" | "body" | "ended" | "acked" | "failed";

/** One side's view of the peer's half of a session. */
export class SyncSession {
  #phase: Phase = "hi";
  #digestsEqual = false;
  #heads: Heads = new Map();
  #lastHead: DeviceKey | undefined;
  #chunks: Uint8Array[] = [];
  #chunkBytes = 0;
  /** A checkpoint in parts: none yet, its head coming, or its parts. */
  #parts: "none" | "head" | "parts" = "none";
  /** A parts head or part whose `last` chunk has not come. */
  #openPiece = false;
  #hadCheckpoint = false;
  /** The peer said it is making a checkpoint (`cpw`), and whether none of it came yet. */
  #waited = false;
  #due = false;
  #received = 0;
  #sentEnd = false;
  #sentAny = false;
  #acked = false;
  readonly #abilities: number;

  /** `abilities`: what our `hi` says we take (the peer may send only those). */
  constructor(abilities: number = OUR_ABILITIES) {
    this.#abilities = abilities;
  }

  /** The peer said it is making a checkpoint and none of it has come yet. */
  get checkpointDue(): boolean {
    return this.#due;
  }

  /** The last author of the heads received so far (for decoding the next message). */
  get lastHead(): DeviceKey | undefined {
    return this.#lastHead;
  }

  /** Entries received so far. */
  get received(): number {
    return this.#received;
  }

  /** True once the peer's `end` arrived. */
  get peerEnded(): boolean {
    return this.#phase === "ended" || this.#phase === "acked";
  }

  /** After both `hi`s: whether the digests matched (then no heads come). */
  setDigestsEqual(equal: boolean): void {
    this.#digestsEqual = equal;
  }

  /** Record that we sent our `end`, having sent something (or not). */
  noteOurEnd(sentAny: boolean): void {
    this.#sentEnd = true;
    this.#sentAny = sentAny;
  }

  /**
   * Account for a message from the peer and say what to do with it.
   * @throws MycelError `protocol_violation`; the session has failed after it
   */
  receive(msg: SyncMessage): ReceiveAction {
    if (this.#phase === "failed") throw violation("a message arrived after the session ended");
    try {
      return this.#receive(msg);
    } catch (e) {
      this.#phase = "failed";
      throw e;
    }
  }

  #receive(msg: SyncMessage): ReceiveAction {
    if (msg.type === "error") {
      this.#phase = "failed";
      return { kind: "peer_error", code: msg.code, message: msg.message };
    }
    switch (this.#phase) {
      case "hi":
        if (msg.type !== "hi") throw violation(`the peer sent ${msg.type} before hi`);
        this.#phase = "heads";
        return {
          kind: "hi",
          now: msg.now,
          digest: msg.digest,
          ports: msg.ports,
          observed: msg.observed,
          seen: msg.seen,
          mesh: msg.mesh,
          ...(msg.abilities === undefined ? {} : { abilities: msg.abilities }),
        };
      case "heads":
        if (msg.type === "heads") {
          if (this.#digestsEqual) throw violation("the peer sent heads though the digests match");
          for (const [k, h] of msg.rows) this.#heads.set(k, h);
          if (this.#heads.size > MAX_AUTHORS) {
            throw violation(`the peer listed over ${MAX_AUTHORS} authors`);
          }
          this.#lastHead = msg.rows.at(-1)?.[0] ?? this.#lastHead;
          if (!msg.last) return { kind: "none" };
          this.#phase = "body";
          return { kind: "heads", heads: this.#heads };
        }
        if (!this.#digestsEqual) throw violation(`the peer sent ${msg.type} before its heads`);
        this.#phase = "body";
        return this.#body(msg);
      case "body":
        return this.#body(msg);
      case "ended":
        if (msg.type !== "ack") throw violation(`the peer sent ${msg.type} after its end`);
        return this.#ack(msg);
      default:
        throw violation(`the peer sent ${msg.type} after the session was over`);
    }
  }

  /** The peer stores what we sent while it may still be sending: its ack may come before its end. */
  #ack(msg: Extract<SyncMessage, { type: "ack" }>): ReceiveAction {
    if (!this.#sentEnd || !this.#sentAny) {
      throw violation("the peer acknowledged what we did not send");
    }
    if (this.#acked) throw violation("the peer acknowledged twice");
    this.#acked = true;
    if (this.#phase === "ended") this.#phase = "acked";
    return { kind: "ack", accepted: msg.accepted, refused: msg.refused };
  }

  #body(msg: SyncMessage): ReceiveAction {
    switch (msg.type) {
      case "ack":
        return this.#ack(msg);
      case "parts_head":
      case "part":
        return this.#piece(msg);
      case "checkpoint_wait":
        return this.#wait();
      case "checkpoint": {
        if (this.#received > 0) throw violation("the peer sent a checkpoint after entries");
        // A sender makes one (exchange_send.ts): a second would be folded
        // over the first with its own, separate checks.
        if (this.#hadCheckpoint) throw violation("the peer sent a second checkpoint");
        if (this.#parts !== "none") {
          throw violation("the peer sent a checkpoint beside one in parts");
        }
        this.#due = false;
        this.#chunkBytes += msg.chunk.length;
        if (this.#chunkBytes > MAX_CHECKPOINT_BYTES) {
          throw violation("the peer's checkpoint is too large");
        }
        this.#chunks.push(msg.chunk);
        if (!msg.last) return { kind: "none" };
        const bytes = new Uint8Array(this.#chunkBytes);
        let at = 0;
        for (const c of this.#chunks) {
          bytes.set(c, at);
          at += c.length;
        }
        this.#chunks = [];
        this.#hadCheckpoint = true;
        return { kind: "checkpoint", bytes };
      }
      case "entries":
        if (this.#chunks.length > 0 || this.#openPiece) {
          throw violation("the peer sent entries inside a checkpoint");
        }
        if (this.#due) throw violation("the peer sent entries before the checkpoint it announced");
        this.#received += msg.entries.length;
        return { kind: "entries", entries: msg.entries };
      case "end":
        if (this.#chunks.length > 0 || this.#openPiece) {
          throw violation("the peer ended inside a checkpoint");
        }
        if (this.#due) throw violation("the peer ended without the checkpoint it announced");
        if (msg.sent !== this.#received) {
          throw violation(
            `the peer says it sent ${msg.sent} entries, but ${this.#received} arrived`,
          );
        }
        this.#phase = "ended";
        return { kind: "end", more: msg.more };
      default:
        throw violation(`the peer sent ${msg.type} out of order`);
    }
  }

  /** The peer is making a checkpoint: once, before any checkpoint or entries, if we take it. */
  #wait(): ReceiveAction {
    if ((this.#abilities & ABILITY_CHECKPOINT_WAIT) === 0) {
      throw violation("the peer sent checkpoint_wait, which our hi did not say we take");
    }
    if (this.#waited) throw violation("the peer announced its checkpoint twice");
    if (this.#received > 0) throw violation("the peer announced a checkpoint after entries");
    if (this.#chunks.length > 0 || this.#hadCheckpoint || this.#parts !== "none") {
      throw violation("the peer announced a checkpoint after sending one");
    }
    this.#waited = true;
    this.#due = true;
    return { kind: "checkpoint_wait" };
  }

  /** A chunk of a checkpoint in parts: its head's, then its parts'. */
  #piece(msg: Extract<SyncMessage, { type: "parts_head" | "part" }>): ReceiveAction {
    if (this.#received > 0) throw violation("the peer sent a checkpoint after entries");
    if (this.#chunks.length > 0 || this.#hadCheckpoint) {
      throw violation("the peer sent a checkpoint in parts beside a checkpoint");
    }
    if (msg.type === "parts_head") {
      if (this.#parts === "parts" || (this.#parts === "head" && !this.#openPiece)) {
        throw violation("the peer sent a second checkpoint head");
      }
      this.#parts = "head";
      this.#due = false;
    } else {
      if (this.#parts === "none" || (this.#parts === "head" && this.#openPiece)) {
        throw violation("the peer sent a part before its checkpoint head");
      }
      this.#parts = "parts";
    }
    this.#openPiece = !msg.last;
    return { kind: msg.type, chunk: msg.chunk, last: msg.last };
  }
}
