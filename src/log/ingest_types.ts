/**
 * @module ingest_types
 * What an ingest (ingest.ts) needs of the log it writes to and what it
 * reports: the {@link LogTarget} contract every backend (SQLite or memory)
 * implements, and the {@link IngestResult} with its refusals. Kept apart
 * so the ingest's queue and its run rules (ingest_run.ts) share them
 * without importing each other.
 */

import type { DeviceKey } from "./device_key.ts";
import type { SignedEntry } from "./entry.ts";
import type { StateStore } from "./state.ts";

/** Why an entry was set aside instead of folded. */
export type AsideReason = "fork" | "past_cut" | "waiting";

/** Where ingest stores what it accepts. */
export interface LogTarget extends StateStore {
  /** Last entry of `author`'s stored chain. */
  head(author: DeviceKey): { seq: number; hash: Uint8Array } | undefined;
  /** Hash of our stored entry `author#seq`, if we hold it. */
  hashAt(author: DeviceKey, seq: number): Uint8Array | undefined;
  /** Append a verified entry to its author's chain (the fold follows). */
  append(e: SignedEntry): void;
  /** Keep an entry aside; idempotent (true when it was not aside before). */
  setAside(e: SignedEntry, reason: AsideReason): boolean;
  /** True when some entry kept aside past a cut holds a removal (see removals.ts). */
  asideRemovals(): boolean;
  /** Entries of `author` kept aside as `waiting`, in seq order (they may fold now). */
  takeWaiting(author: DeviceKey): SignedEntry[];
  /** A fork: `other` is a validly signed entry for a seq where we hold `kept`. */
  noteFork(author: DeviceKey, seq: number, kept: Uint8Array, other: Uint8Array): void;
  /** Called when a push is done: write whatever the target put off (e.g. chain heads). */
  settle?(): void;
}

/** An entry that was not accepted, and why. */
export interface Refusal {
  /** Author the entry claims (undefined when undecodable). */
  author?: DeviceKey;
  /** Its seq (0 when undecodable). */
  seq: number;
  /** Stable reason code. */
  code: "malformed" | "bad_signature" | "not_member" | "gap" | "fork_branch";
  /** Human reason. */
  reason: string;
}

/** What an ingest did. */
export interface IngestResult {
  /** Entries stored and folded. */
  accepted: number;
  /** Entries we already had. */
  duplicates: number;
  /** Entries set aside past a removal cut. */
  pastCut: number;
  /** Forks found (the other entry kept aside). */
  forks: { author: DeviceKey; seq: number }[];
  /** Entries refused (at most 1000 listed). */
  refused: Refusal[];
  /** Refusals in total. */
  refusedCount: number;
  /** A removal narrowed a cut below folded entries: the caller must refold. */
  refold: boolean;
}

/** What an ingest that was given nothing did. */
export function emptyIngestResult(): IngestResult {
  return {
    accepted: 0,
    duplicates: 0,
    pastCut: 0,
    forks: [],
    refused: [],
    refusedCount: 0,
    refold: false,
  };
}
