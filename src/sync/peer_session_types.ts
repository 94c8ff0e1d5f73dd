/**
 * @module peer_session_types
 * What one sync session (peer_session.ts) ends in and what bounds it: the
 * outcome a round, `sync serve` and the bookkeeping read, and the limits and
 * callbacks the caller passes. Types only.
 */

import type { ErrorCode } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { Replays } from "../transport/replay_guard.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import type { ExchangeResult } from "./exchange_types.ts";

/**
 * How a session ended. "checked" only on the responder's side: the
 * initiator wanted the handshake only (`mycel doctor`, peer_probe.ts) and
 * ended the session in place of its `hi`, a normal end: nothing exchanged,
 * nothing noted.
 */
export type SessionStatus = "synced" | "unreachable" | "refused" | "failed" | "checked";

/** Outcome of one session. */
export interface SessionOutcome {
  /** The peer, when known. */
  peer?: DeviceKey;
  /** Its name as we know it. */
  name: string;
  /** How it ended. */
  status: SessionStatus;
  /** Why, when it did not sync. */
  error?: string;
  /** Stable code of the error, when there is one. */
  code?: ErrorCode;
  /** Which way we reached it ("direct", "mesh", "stdio", "tcp"). */
  path: string;
  /** The address used. */
  address?: string;
  /** The peer proved a live session. */
  live: boolean;
  /** Our connect to its mesh address timed out: nothing came back through its tunnel. */
  tunnelSilent?: boolean;
  /** The exchange, when it ran. */
  exchange?: ExchangeResult;
  /** Wire bytes sent and received. */
  wire?: { sent: number; received: number };
  /**
   * Responder side: refused as a removed device whose first handshake
   * message decrypted under its static key: that message's ephemeral key,
   * to tell a replay before it is counted (removed_tries.ts).
   */
  removedTry?: Uint8Array;
  /** Responder side: admitted on an admission entry we do not hold yet. */
  provisional?: { by: DeviceKey; seq: number };
}

/** Time limits and extras of a session. */
export interface SessionLimits {
  /** Deadline of each read (ms); progress resets it. */
  readTimeoutMs: number;
  /** Deadline of the handshake, before the peer is known (ms). */
  handshakeTimeoutMs: number;
  /** Deadline of the whole session (ms). */
  sessionTimeoutMs: number;
  /** Ports we accept sync on (told to the peer). */
  ports: readonly number[];
  /** Bytes of entries to send at most (default: the exchange's SESSION_BUDGET). */
  budget?: number;
  /** Entries a peer may lack before it gets a checkpoint (default: the exchange's CHECKPOINT_MIN). */
  checkpointMin?: number;
  /** Test only: a single checkpoint's limit for a peer that takes parts, and their size (ExchangeOptions). */
  partBytes?: number;
  /** Test only: the slowest rate a checkpoint in parts may come at (ExchangeOptions). */
  stateRate?: number;
  /** Test only: a pause after each part cut for the peer (ExchangeOptions). */
  cutPauseMs?: number;
  /** Test only: entries after which sending stops short (ExchangeOptions). */
  stallAfter?: number;
  /** What our `hi` says we take (tests give 0 to act as an earlier release). */
  abilities?: number;
  /** Entries received so far, for progress display. */
  onReceived?: (count: number) => void;
  /**
   * The file phase (docs/sync_protocol.md, "File transfer"): run on the same
   * channel after a successful exchange, on either side; the session ends
   * when it returns.
   */
  afterExchange?: (channel: SecureChannel, peer: DeviceKey) => Promise<unknown>;
  /**
   * Responder: the initiator proved a live session as an admitted member
   * (its `hi` came; the handshake alone can be a replay), so the listener
   * never evicts its connection for a newer one (connection_slots.ts).
   */
  onAuthenticated?: () => void;
  /**
   * Responder: the initiator's first handshake message was admitted: its
   * key is a member's and the message was not taken before. Its slot is
   * then evicted only after every connection that has shown nothing such
   * (a flood of connections from many addresses evicted a member's before
   * its handshake was through). Not at mere decryption: anyone with our
   * card makes a first message that reads, under a key of its own.
   * Returns a refusal's message (code `busy`) when the listener already
   * serves as many sessions of that device as it takes.
   */
  onAdmitted?: (peer: DeviceKey) => string | undefined;
  /**
   * Responder: first messages already taken from members (by this listener,
   * or under `--stdio` by any process of the home); one seen again is a
   * replay and gets a stranger's refusal at once (replay_guard.ts). Asked
   * only after the initiator's key was admitted: strangers cost nothing.
   */
  replays?: Replays;
  /**
   * Bytes the connection may read in all (default: the transport's 256 MiB).
   * Raised only for the initiator of a file phase, which reads no more than
   * it asked for (file_fetch.ts refuses anything else).
   */
  maxBytes?: number;
  /**
   * Ctrl-C (the initiator's command): the connection is closed at once, so
   * the session ends failed without waiting on the peer; what it stored by
   * then (whole entries, each in its transaction) stays.
   */
  signal?: AbortSignal;
  /**
   * Protocol names a responder offers (default NOISE_IK and
   * NOISE_IK_AESGCM, crypto/noise.ts); tests play a device on an earlier release.
   */
  offered?: readonly string[];
}

/** Our Noise keys. */
export interface NoiseKeys {
  readonly noisePublic: Uint8Array;
  readonly noisePrivate: Uint8Array;
}
