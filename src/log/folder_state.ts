/**
 * @module folder_state
 * The replicated state of synced folders, as rows any backend (memory,
 * SQLite) holds; the rules that fold ops into them are folder_fold.ts,
 * their digest lines state_digest.ts.
 * - shares: folder id → name (the first by stamp: wall, counter, author);
 * - device rows: per (folder, device), whether it joined and its progress,
 *   each written only by that device's own entries (the latest seq wins);
 * - file versions: per (folder, path), the versions no other version
 *   dominates (version vectors, version_vector.ts;
 *   folder_versions.ts); concurrent ones side by side, a conflict;
 * - folder frontier: per (folder, author), the last seq of a file version
 *   folded (what a progress record is measured against).
 * Version ids are the hex SHA-256 of the version's encoding; each row also
 * keeps the entry (author, seq) that carried it (the smallest, if several).
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "../bytes.ts";
import type { VersionVector } from "./version_vector.ts";
import type { FolderProgress } from "./file_ops.ts";
import type { HeldVersion, VectorsOf } from "./folder_held.ts";

/** A shared folder. */
export interface ShareRow {
  readonly name: string;
  readonly wall: number;
  readonly counter: number;
  /** Hex key of the device that shared it. */
  readonly author: string;
}

/** One device's own record about one folder. */
export interface DeviceFolderRow {
  /** Seq of its last join or leave (0: none). */
  readonly joinedSeq: number;
  readonly joined: boolean;
  /** Seq of its last progress record (0: none). */
  readonly progressSeq: number;
  readonly progress?: FolderProgress;
}

/** A file version as the state keeps it. */
export interface StoredVersion {
  /** Hex SHA-256 of `bytes`. */
  readonly id: string;
  /** The entry that carried it. */
  readonly author: string;
  readonly seq: number;
  /** Its canonical encoding. */
  readonly bytes: Uint8Array;
}

/** Rows of the folder state, canonical order (ids, paths by code point; keys by hex). */
export interface FolderRows {
  share(folder: string): ShareRow | undefined;
  shares(): Iterable<[string, ShareRow]>;
  deviceRow(folder: string, device: string): DeviceFolderRow | undefined;
  /** `[folder, device hex, row]` by folder, device. */
  deviceRows(): Iterable<[string, string, DeviceFolderRow]>;
  /** The versions of one path, by id. */
  versionsAt(folder: string, path: string): StoredVersion[];
  /** `[path, versions]` of one folder, by path. */
  paths(folder: string): Iterable<[string, StoredVersion[]]>;
  /** `[folder, path, version]` by folder, path, id. */
  allVersions(): Iterable<[string, string, StoredVersion]>;
  /** Per author hex, the last seq of a file version of `folder` folded. */
  frontier(folder: string): Map<string, number>;
  /**
   * That seq for one author (0: none): a point lookup, for the fold of each
   * entry (reading the whole frontier there cost N²/2 rows over N authors).
   */
  frontierOf(folder: string, author: string): number;
  /** `[folder, author hex, seq]` by folder, author. */
  frontiers(): Iterable<[string, string, number]>;
}

/** Rows the fold writes. */
export interface FolderStore extends FolderRows {
  putShare(folder: string, row: ShareRow): void;
  putDeviceRow(folder: string, device: string, row: DeviceFolderRow): void;
  /**
   * The versions of one path by id, with their vectors (`vectorsOf` decodes
   * the rows it has to read): what the fold compares with (folder_held.ts).
   * Live until the next `heldAt`: putVersion and removeVersion of the path
   * show in it; the caller never changes it itself.
   */
  heldAt(folder: string, path: string, vectorsOf: VectorsOf): ReadonlyMap<string, HeldVersion>;
  /** Write a version (`vv` its vector, which `heldAt` then holds). */
  putVersion(folder: string, path: string, v: StoredVersion, vv?: VersionVector): void;
  removeVersion(folder: string, path: string, id: string): void;
  setFrontier(folder: string, author: string, seq: number): void;
}

/** Id of a version's encoding. */
export function versionId(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}
