/**
 * @module state
 * The replicated state of one mesh, as two interfaces the fold and the CLI
 * share, whatever holds the state (SQLite in the home, memory in tests and
 * simulations):
 * - {@link StateStore}: the rows the fold reads and writes;
 * - {@link StateView}: what commands ask (values shown, members, records).
 *
 * Parts: `config` and `prefs` are registers of dotted versions (the newest
 * sibling is shown; a write replaces what it observed); `patterns` is an
 * observed-remove set of JSON objects on the same machinery; `apps` a
 * grow-only set; members and records follow membership.ts. `seen` is the
 * fold frontier: the last seq of each author folded.
 */

import type { DottedBackend } from "../crdt/dotted.ts";
import type { Json, JsonObject } from "../crdt/json.ts";
import type { DeviceKey } from "./device_key.ts";
import type { DeviceRecord } from "./device_record.ts";
import type { Admission, MemberRow, Removal } from "./membership.ts";
import type { EntryDot } from "./ops.ts";
import type { FolderRows, FolderStore } from "./folder_state.ts";

/** The keyspaces of dotted versions. */
export const SPACES = ["config", "patterns", "prefs"] as const; // canonical (alphabetical) order

/** One keyspace. */
export type Space = typeof SPACES[number];

/** The rows the fold reads and writes. */
export interface StateStore {
  /** The versions of one keyspace. */
  space(name: Space): DottedBackend;
  /** Last seq of `author` folded (0 for none). */
  seen(author: DeviceKey): number;
  /** Record that `author`'s entries up to `seq` are folded. */
  setSeen(author: DeviceKey, seq: number): void;
  /** Add an app to the grow-only set. */
  addApp(name: string): void;
  /** The membership row of `key`, if any. */
  member(key: DeviceKey): MemberRow | undefined;
  /** Replace the membership row of `key`. */
  putMember(key: DeviceKey, row: MemberRow): void;
  /** Synced folders' rows (folder_state.ts). */
  folders(): FolderStore;
}

/** A device as commands see it. */
export interface MemberInfo {
  /** Its current record (admission overlaid with what it wrote itself). */
  readonly record: DeviceRecord;
  /** The admission kept. */
  readonly admitted: Admission;
  /** Its removal, when removed. */
  readonly removed?: Removal;
  /** What its folded entries name of the others (witness.ts), when any. */
  readonly witnessed?: MemberRow["witnessed"];
}

/** What commands read. */
export interface StateView {
  /** The value shown for a config key. */
  config(key: string): Json | undefined;
  /** Every config key with a value, sorted. */
  configs(): [string, Json][];
  /** The value shown for a preference. */
  pref(key: string): string | undefined;
  /** Every preference with a value, sorted. */
  prefs(): [string, string][];
  /** Installed apps, sorted. */
  apps(): string[];
  /** A pattern's value. */
  pattern(id: string): JsonObject | undefined;
  /** Every pattern, sorted by id. */
  patterns(): [string, JsonObject][];
  /** The versions of a key a write now replaces (its device shows them). */
  observed(space: Space, key: string): EntryDot[];
  /** Every device ever admitted (removed ones too), sorted by key. */
  members(): MemberInfo[];
  /** One device, if ever admitted. */
  member(key: DeviceKey): MemberInfo | undefined;
  /** True when `key` is admitted and not removed. */
  isMember(key: DeviceKey): boolean;
  /** Last seq of `author` folded. */
  seen(author: DeviceKey): number;
  /** Synced folders: shares, who joined, file versions (folder_state.ts). */
  folders(): FolderRows;
}
