/**
 * @module local_state
 * What a device keeps about itself and its peers that is not replicated:
 * which mesh it is in, its clock, per-peer bookkeeping (last seen, last sync,
 * counts, last error, last heads seen), forks and clock skew it noticed.
 * Stored inside the snapshot so it is replaced atomically with the state.
 */

/** Bookkeeping about one peer. */
export interface PeerBook {
  /** Last time (ms) we heard from it at all, or 0. */
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
  /** The peer's heads (author → seq) as of the last sync, for stability. */
  heads: Record<string, number>;
  /** Which path the last sync used ("direct" or "mesh"), or "". */
  path: string;
  /**
   * WireGuard endpoints (`host:port`) the peer's tunnel last worked at →
   * when (ms, its latest handshake there); the 4 newest. `mesh up` tries
   * them first, newest first (src/mesh/roaming.ts). Absent = none yet.
   */
  wgEndpoints?: Record<string, number>;
}

/** A fork: two different entries for one (author, seq). */
export interface ForkReport {
  /** The author whose log forked. */
  author: string;
  /** The sequence number with two entries. */
  seq: number;
  /** Hash (hex) of the entry we applied. */
  kept: string;
  /** Hash (hex) of the conflicting entry, kept in forks/ but not applied. */
  other: string;
  /** When we noticed (ms). */
  at: number;
}

/** A device whose clock runs ahead of ours beyond the allowed drift. */
export interface SkewReport {
  /** How far ahead (ms) its newest entry was when we received it. */
  aheadMs: number;
  /** When we noticed (ms). */
  at: number;
}

/**
 * The entry that admitted this device: where it is, and its bytes (base64),
 * kept here so a sync round does not re-read the admitter's log for it.
 */
export interface AdmissionRef {
  /** Its author (the inviting device). */
  author: string;
  /** Its seq in that author's log. */
  seq: number;
  /** The signed entry, base64. */
  entry: string;
}

/** Local, non-replicated state. */
export interface LocalState {
  /** The mesh this device belongs to. */
  meshId: string;
  /** This device's id. */
  deviceId: string;
  /** HLC as last persisted. */
  clock: { wall: number; counter: number };
  /** Per-peer bookkeeping, by device id. */
  peers: Record<string, PeerBook>;
  /** Forks noticed. */
  forks: ForkReport[];
  /** Clock skew noticed, by device id. */
  skew: Record<string, SkewReport>;
  /**
   * Set by `repair` when this device's own log lost entries: local writes
   * wait until sync has brought the own log back up to this seq.
   */
  recoverOwnTo?: number;
  /**
   * The entry that admitted this device (set when it joined by pairing); its
   * hello carries it so devices that have not seen it yet still accept us.
   */
  admission?: AdmissionRef;
  /** The last `sync now` round: when, how many peers, how many synced. */
  lastRound?: { at: number; peers: number; synced: number };
  /** The WireGuard interface `mesh up` manages, while it is up. */
  mesh?: { interface: string; port: number; backend: string; pid?: number };
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
    heads: {},
    path: "",
  };
}

/**
 * Record a fork in `local`, one report per forked log: the earliest seq seen
 * and the latest other-branch tip. Returns true when `other` is new.
 */
export function noteFork(local: LocalState, fork: Omit<ForkReport, "at">, at: number): boolean {
  const report = local.forks.find((f) => f.author === fork.author);
  if (report === undefined) {
    local.forks.push({ ...fork, at });
    return true;
  }
  if (report.other === fork.other) return false;
  Object.assign(report, { seq: Math.min(report.seq, fork.seq), other: fork.other, at });
  return true;
}
