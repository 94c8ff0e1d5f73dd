/**
 * @module local_state
 * Shapes of what a device keeps about its peers that is not replicated
 * (stored as JSON rows by sql_local.ts).
 */

/** Bookkeeping about one peer. Changed only after the peer proved a live session. */
export interface PeerBook {
  /** Last time (ms) it proved itself in a session, or 0. */
  lastSeen: number;
  /** Last time (ms) a sync round with it completed, or 0. */
  lastSync: number;
  /** Entries we sent it, in total. */
  sent: number;
  /** Entries we received from it, in total. */
  received: number;
  /** Last error talking to it ("" when the last attempt worked). */
  lastError: string;
  /** When `lastError` happened (ms), or 0. */
  lastErrorAt: number;
  /** Stable code of `lastError` when it has one (e.g. `removed`: the peer says we were removed), or "". */
  lastErrorCode: string;
  /**
   * What the peer holds as far as we know (author hex → seq): the heads it
   * reported, and what it took from us in a clean session — a lower bound,
   * for news (who lacks what) and stability (what may be compacted).
   */
  heads: Record<string, number>;
  /** Which path the last sync used ("direct", "mesh", "relayed", …), or "". */
  path: string;
  /** The address the last session with it used or came from, or "". */
  address: string;
  /** Its clock minus ours (ms) as measured in the last session, and when. */
  skewMs: number;
  skewAt: number;
  /**
   * WireGuard endpoints (`host:port`) the peer's tunnel last worked at →
   * when (ms, its latest handshake there); the 4 newest. `mesh up` tries
   * them first, newest first (src/mesh/roaming.ts). Absent = none yet.
   */
  wgEndpoints?: Record<string, number>;
  /**
   * Sync endpoints (`host:port`) a session with the peer last worked at →
   * when (ms): where we reached it, or where it called from at the port it
   * listens on. Rounds try them first, newest first. Absent = none yet.
   */
  reachAt?: Record<string, number>;
  /**
   * The heads of the state a pairing gave it (inviter) or took from it
   * (joiner), author hex → seq: its checkpoint's frontier. For `status`'s
   * BEHIND alone while no sync came since (path "pairing"): the peer never
   * proved it holds those entries, so `heads` (news, compaction) leaves them.
   */
  pairingHeads?: Record<string, number>;
  /** The last device that brought us this peer's entries when it was not the peer itself. */
  relay?: { via: string; at: number };
  /**
   * Where another member's WireGuard last saw this peer's tunnel (NAT
   * traversal: both ends try that endpoint at once), told by `via`.
   */
  wgHint?: { endpoint: string; at: number; via: string };
  /**
   * When (ms) our round's connect to its mesh address last timed out:
   * nothing came back through its tunnel (src/mesh/silent_tunnel.ts).
   */
  tunnelSilentAt?: number;
}

/**
 * The entry that admitted this device: where it is, and its bytes (base64),
 * kept so a peer that has not seen it yet can be shown it.
 */
export interface AdmissionRef {
  /** Its author (the inviting device), display id. */
  author: string;
  /** Its seq in that author's log. */
  seq: number;
  /** The signed entry, base64. */
  entry: string;
}

/** Fresh bookkeeping for a peer. */
export function newPeerBook(): PeerBook {
  return {
    lastSeen: 0,
    lastSync: 0,
    sent: 0,
    received: 0,
    lastError: "",
    lastErrorAt: 0,
    lastErrorCode: "",
    heads: {},
    path: "",
    address: "",
    skewMs: 0,
    skewAt: 0,
  };
}
