/**
 * @module exchange_types
 * What a sync exchange is given and what it reports (exchange.ts runs it;
 * exchange_send.ts and exchange_receive.ts are its two directions).
 */

import type { Checkpoint } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { IngestResult } from "../log/ingest.ts";
import type { Heads } from "../protocol/sync_heads.ts";
import type { SeenEndpoint } from "../protocol/sync_messages.ts";
import type { ImportResult } from "../storage/home_checkpoint.ts";

/** How one exchange runs. */
export interface ExchangeOptions {
  /** Deadline of each read (ms); progress resets it. */
  readTimeoutMs: number;
  /**
   * Deadline of the peer's `hi`, the first read (ms; else `readTimeoutMs`).
   * Sessions use the handshake's: an honest peer sends its `hi` as soon as
   * the handshake is done, and a replayed first handshake message (which
   * completes a responder's handshake) holds a connection no longer than a
   * stranger's handshake may.
   */
  hiTimeoutMs?: number;
  /** Our wall clock. */
  now: () => number;
  /** Ports we accept sync connections on (told to the peer). */
  ports: readonly number[];
  /** The address we see the peer at ("" when unknown). */
  observed: string;
  /** Where our WireGuard sees other members' tunnels (NAT traversal hints for the peer). */
  seen?: readonly SeenEndpoint[];
  /** Refusal reason for a checkpoint we would not take (undefined: take it); `peerMesh` from its hi. */
  acceptCheckpoint: (cp: Checkpoint, peerMesh: string) => string | undefined;
  /** Entries to send per session at most (bytes). */
  budget?: number;
  /** A peer missing more entries than this (and than 4 × our state's rows) gets a checkpoint. */
  checkpointMin?: number;
  /**
   * What our `hi` says we take besides what every version 2 peer takes
   * (sync_messages.ts `OUR_ABILITIES` unless given: tests give 0 to act as
   * an earlier release does on the wire).
   */
  abilities?: number;
  /**
   * Test only (MYCEL_TEST_CHECKPOINT_BYTES): the most a single checkpoint
   * may hold for a peer that takes parts, and the size each part is cut at,
   * so a test sends parts without 64 MiB of state.
   */
  partBytes?: number;
  /** Test only (MYCEL_TEST_STATE_RATE): the slowest rate a checkpoint in parts may come at. */
  stateRate?: number;
  /**
   * Test only (MYCEL_TEST_CUT_PAUSE_MS): the cut of a checkpoint in parts
   * stops this long after each part (a whole checkpoint after each step of
   * its making), taking as long as a slow device's cut does.
   */
  cutPauseMs?: number;
  /**
   * Test only (MYCEL_TEST_SEND_STALL): once this many entries of the ranges
   * went out, sending stops there and waits for ever (until the process or
   * the session's deadline ends it). A kill of the sender then lands
   * mid-transfer for sure: without it, what the sender already handed to
   * the socket buffers (megabytes on loopback) still reaches the peer after
   * the kill, and a backlog of that size could arrive whole.
   */
  stallAfter?: number;
  /**
   * Aborts once the session is over (its deadline, Ctrl-C or SIGTERM, the
   * peer gone, the exchange failed): a cut of our state in progress stops
   * (storage/parts_spool.ts).
   */
  signal?: AbortSignal;
  /** Entries received so far (progress display). */
  onReceived?: (count: number) => void;
  /** The peer's first message arrived: it proved a live session. */
  onHi?: () => void;
  /** The peer (to read what we know it holds; see acks.ts). */
  peer?: DeviceKey;
}

/** What one exchange did. */
export interface ExchangeResult {
  /** The digests matched: nothing to do. */
  idle: boolean;
  /** Entries we sent, and whether we sent a checkpoint (in parts: how many). */
  sent: number;
  sentCheckpoint: boolean;
  sentParts?: number;
  /** We stopped at our budget (more to send next round). */
  more: boolean;
  /** What we stored of the peer's entries. */
  ingest?: IngestResult;
  /** The checkpoint we took, if any. */
  took?: ImportResult;
  /** The peer's account of what it stored of ours. */
  peerAck?: { accepted: number; refused: number };
  /** The peer's `hi`. */
  peer: {
    now: number;
    ports: readonly number[];
    observed: string;
    seen: readonly SeenEndpoint[];
    mesh: string;
    /** What its `hi` says it takes (0 or absent: an earlier release). */
    abilities?: number;
  };
  /** The peer stopped at its budget. */
  peerMore: boolean;
  /** Authors of whom the peer held newer entries than we did when the session began. */
  newer: DeviceKey[];
  /** The heads the peer holds as it told us (ours when the digests matched). */
  reported?: Heads;
  /** Chains we sent the peer in full up to a seq (entry ranges, or a checkpoint's frontier). */
  sentUpTo: Map<DeviceKey, number>;
  /** Rows in the heads we sent (settled authors are left out). */
  headsSent: number;
}
