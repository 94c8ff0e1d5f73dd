/**
 * @module folder_fold
 * The rules that fold folder ops into the folder state's rows
 * (folder_state.ts), and that merge a checkpoint's rows into them. Every
 * part is a join, so the state is a function of the set of entries folded,
 * whatever the order:
 * - shares: concurrent shares of one id keep the first by stamp (wall,
 *   counter, author) — a share is never overwritten;
 * - device rows: each written only by that device's own entries (the
 *   latest seq wins);
 * - file versions: a version whose vector is at or below another's is
 *   gone; versions neither of which saw the other stay side by side — a
 *   conflict, resolved the same way on every device (src/files/conflict.ts).
 *   Two different versions with equal vectors (only a damaged or forked
 *   device makes them) are kept side by side too. A version counts only if
 *   the entry's author is the device the version says made it;
 * - folder frontier: the highest seq of a file version folded per author.
 */

import { encodeFileVersion } from "./file_version_codec.ts";
import type { DeviceKey } from "./device_key.ts";
import type { FolderOp } from "./file_ops.ts";
import {
  type DeviceFolderRow,
  type FolderRows,
  type FolderStore,
  type ShareRow,
  versionId,
} from "./folder_state.ts";
import { addVersions, type NewVersion } from "./folder_versions.ts";

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
      if (store.frontierOf(op.folder, author.hex) < seq) {
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
    if (into.frontierOf(folder, author) < seq) into.setFrontier(folder, author, seq);
  }
}
