/**
 * @module folder_state
 * The replicated state of synced folders, as rows any backend (memory,
 * SQLite) holds, and the rules that fold ops into it. Every part is a join,
 * so the state is a function of the set of entries folded, whatever the
 * order:
 * - shares: folder id → name; concurrent shares of one id keep the first
 *   by stamp (wall, counter, author) — a share is never overwritten;
 * - device rows: per (folder, device), whether it joined and its progress,
 *   each written only by that device's own entries (the latest seq wins);
 * - file versions: per (folder, path), the versions no other version
 *   dominates (version vectors, src/files/version_vector.ts;
 *   folder_versions.ts). A version
 *   whose vector is at or below another's is gone; versions neither of
 *   which saw the other stay side by side — a conflict, resolved the same
 *   way on every device (src/files/conflict.ts). Two different versions
 *   with equal vectors (only a damaged or forked device makes them) are
 *   kept side by side too. A version counts only if the entry's author is
 *   the device the version says made it;
 * - folder frontier: per (folder, author), the last seq of a file version
 *   folded (what a progress record is measured against).
 * Version ids are the hex SHA-256 of the version's encoding; each row also
 * keeps the entry (author, seq) that carried it (the smallest, if several).
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { toHex } from "../bytes.ts";
import { canonicalJson, type Json } from "../crdt/json.ts";
import { encodeFileVersion } from "../files/file_version.ts";
import type { VersionVector } from "../files/version_vector.ts";
import type { DeviceKey } from "./device_key.ts";
import type { FolderOp, FolderProgress } from "./file_ops.ts";
import type { HeldVersion, VectorsOf } from "./folder_held.ts";
import { addVersions, type NewVersion } from "./folder_versions.ts";

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

const EMPTY_ROW: DeviceFolderRow = { joinedSeq: 0, joined: false, progressSeq: 0 };

function earlier(a: ShareRow, b: ShareRow): boolean {
  if (a.wall !== b.wall) return a.wall < b.wall;
  if (a.counter !== b.counter) return a.counter < b.counter;
  if (a.author !== b.author) return a.author < b.author;
  return a.name < b.name;
}

/** Keep `share` unless an earlier one is held. */
export function joinShare(store: FolderStore, folder: string, share: ShareRow): void {
  const held = store.share(folder);
  if (held === undefined || earlier(share, held)) store.putShare(folder, share);
}

/** Join two device rows field by field (the later seq wins; equal seqs are one entry). */
export function joinDeviceRow(a: DeviceFolderRow, b: DeviceFolderRow): DeviceFolderRow {
  const join = b.joinedSeq > a.joinedSeq ? b : a;
  const prog = b.progressSeq > a.progressSeq ? b : a;
  return {
    joinedSeq: join.joinedSeq,
    joined: join.joined,
    progressSeq: prog.progressSeq,
    ...(prog.progress ? { progress: prog.progress } : {}),
  };
}

/**
 * Fold the folder ops of `author`'s entry `seq` stamped `stamp`. Its file
 * versions join their paths' sets path by path (each path's rows read once;
 * folder_versions.ts): versions touch no other row, so this order gives what
 * op by op would.
 */
export function foldFolderOps(
  store: FolderStore,
  author: DeviceKey,
  stamp: { wall: number; counter: number },
  seq: number,
  ops: readonly FolderOp[],
): void {
  const byPath = new Map<string, Map<string, NewVersion[]>>(); // folder → path → versions
  for (const op of ops) {
    if (op.type !== "file.version") {
      foldFolderOp(store, author, stamp, seq, op);
      continue;
    }
    let paths = byPath.get(op.folder);
    if (paths === undefined) {
      byPath.set(op.folder, paths = new Map());
      if ((store.frontier(op.folder).get(author.hex) ?? 0) < seq) {
        store.setFrontier(op.folder, author.hex, seq);
      }
    }
    // A device signs only its own changes: a version claiming another maker is void.
    if (op.version.modifiedBy !== author.id) continue;
    const bytes = encodeFileVersion(op.version);
    const stored = { id: versionId(bytes), author: author.hex, seq, bytes };
    const list = paths.get(op.version.path);
    const v = { stored, vv: op.version.vv };
    if (list === undefined) paths.set(op.version.path, [v]);
    else list.push(v);
  }
  for (const [folder, paths] of byPath) {
    for (const [path, versions] of paths) addVersions(store, folder, path, versions);
  }
}

/** Fold one folder op (see {@link foldFolderOps}). */
export function foldFolderOp(
  store: FolderStore,
  author: DeviceKey,
  stamp: { wall: number; counter: number },
  seq: number,
  op: FolderOp,
): void {
  const row = () => store.deviceRow(op.folder, author.hex) ?? EMPTY_ROW;
  switch (op.type) {
    case "folder.share":
      joinShare(store, op.folder, { name: op.name, ...stamp, author: author.hex });
      return;
    case "folder.join":
    case "folder.leave":
      store.putDeviceRow(op.folder, author.hex, {
        ...row(),
        joinedSeq: seq,
        joined: op.type === "folder.join",
      });
      return;
    case "folder.progress":
      store.putDeviceRow(op.folder, author.hex, {
        ...row(),
        progressSeq: seq,
        progress: op.progress,
      });
      return;
    case "file.version":
      foldFolderOps(store, author, stamp, seq, [op]);
      return;
  }
}

/** Join the folder rows of `from` into `into` (a checkpoint merge; see state_merge.ts). */
export function mergeFolders(into: FolderStore, from: FolderRows): void {
  for (const [folder, share] of from.shares()) joinShare(into, folder, share);
  for (const [folder, device, row] of from.deviceRows()) {
    into.putDeviceRow(
      folder,
      device,
      joinDeviceRow(into.deviceRow(folder, device) ?? EMPTY_ROW, row),
    );
  }
  // Path by path (rows come by folder, path): each path of `into` is read once.
  let at: [string, string] | undefined;
  let batch: NewVersion[] = [];
  for (const [folder, path, stored] of from.allVersions()) {
    if (at !== undefined && (at[0] !== folder || at[1] !== path)) {
      addVersions(into, at[0], at[1], batch);
      batch = [];
    }
    at = [folder, path];
    batch.push({ stored });
  }
  if (at !== undefined) addVersions(into, at[0], at[1], batch);
  for (const [folder, author, seq] of from.frontiers()) {
    if ((into.frontier(folder).get(author) ?? 0) < seq) into.setFrontier(folder, author, seq);
  }
}

/** JSON form of a progress record (digest lines, SQLite rows). */
export function progressJson(p: FolderProgress): Json {
  return [
    p.needFiles,
    p.needBytes,
    p.conflicts,
    p.stopped,
    p.frontier.map(([k, s]) => [k.hex, s]),
  ];
}

/** Canonical digest lines of the folder state (none when there is no folder). */
export function* folderLines(rows: FolderRows): Generator<string> {
  for (const [id, s] of rows.shares()) {
    yield canonicalJson(["fs", id, s.name, s.wall, s.counter, s.author]);
  }
  for (const [folder, device, r] of rows.deviceRows()) {
    yield canonicalJson([
      "fd",
      folder,
      device,
      r.joinedSeq,
      r.joined,
      r.progressSeq,
      r.progress ? progressJson(r.progress) : null,
    ]);
  }
  for (const [folder, path, v] of rows.allVersions()) {
    yield canonicalJson(["fv", folder, path, v.id, v.author, v.seq]);
  }
  for (const [folder, author, seq] of rows.frontiers()) {
    yield canonicalJson(["ff", folder, author, seq]);
  }
}
