/**
 * @module folder_scan_deletions
 * The third phase of a scan (folder_scan.ts): what to do with the indexed
 * paths the disk no longer showed (folder_scan_read.ts). Joined again where
 * it was left, the folder forgets them here rather than deleting them, but
 * for a rename made meanwhile; more than half of the folder gone is held
 * until confirmed; the rest get deletion versions (folder_scan_vectors.ts),
 * each naming the content it deleted.
 * Apart because it is the one phase that can lose files everywhere, so the
 * checks that keep it from doing so unasked stay together.
 */

import { contentDigest } from "../files/version_content.ts";
import { labelOf } from "./folder_label.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import { type FileVersion, isDirectoryVersion } from "../log/file_version.ts";
import { builtVvProblem } from "../log/version_vector.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { FolderRows } from "../log/folder_state.ts";
import type { Op } from "../log/ops.ts";
import type { LoadedIndex, LocalFolder } from "../storage/sql_folder_local.ts";
import type { ScanPublishOptions } from "./folder_scan_types.ts";
import { heldVector, indexedVersion, nextVector } from "./folder_scan_vectors.ts";

/** What became of the paths gone from disk. */
export interface Deletions {
  /** Deletion versions to publish, with their encoded sizes. */
  readonly ops: [Op, number][];
  /** Paths published as deleted (their index rows go). */
  readonly deletions: readonly string[];
  /** Paths forgotten here without a deletion (their index rows go too). */
  readonly forgotten: string[];
  /** Deletions held back for confirmation. */
  readonly held: number;
  /**
   * Paths gone from disk whose deletion is not published, with why: its
   * vector would name too many devices (builtVvProblem). Their index rows
   * stay, so the next scan tries again.
   */
  readonly skipped: { path: string; reason: string }[];
}

/**
 * The deletions of `deleted` in `folder` (see the module comment), given
 * those of them that are moves (`moves`, folder_scan_moves.ts);
 * `o.confirmMassDelete` is asked before deletions that would be held.
 */
export async function deletionsOf(
  folder: LocalFolder,
  index: LoadedIndex,
  folders: FolderRows,
  self: DeviceId,
  now: number,
  deleted: readonly string[],
  moves: ReadonlySet<string>,
  o: ScanPublishOptions,
): Promise<Deletions> {
  let deletions = deleted;
  let held = 0;
  const ops: [Op, number][] = [];
  // More than half of the folder gone asks first (or is held until --yes).
  // A deletion whose content is found again — under another name in this
  // scan, or moved into another folder synced here (`moves`,
  // folder_scan_moves.ts) — is a move, not a loss; and once deletions are
  // held they stay held until confirmed — before, files arriving from peers
  // grew the folder past the half and the held deletions went out unasked.
  // Only the losses are asked about, counted and held: a move's deletion goes
  // out with its new name (held, the file would be on every other device
  // twice, and by the next scan its new name is old news: a loss).
  // Each deleted path's indexed version is decoded once, when first read.
  const decoded = new Map<string, FileVersion | undefined>();
  const heldAt = (path: string): FileVersion | undefined => {
    if (!decoded.has(path)) decoded.set(path, indexedVersion(index.rows.get(path)));
    return decoded.get(path);
  };
  // Joined again where it was left: what went missing meanwhile is not
  // published as deleted (FolderInfo.rejoined) — whether another device
  // holds it can't be known here (its reports may be late or partial, and a
  // deletion would reach its copy): forgotten here, fetched again. But a
  // file whose content reappears under a new name in this scan (or moved
  // into another folder synced here) was renamed while left: its deletion
  // goes out (the content is published under the new name, so nothing is
  // lost anywhere; the deletion carries only what this disk held, so an
  // edit made elsewhere meanwhile still wins). What is left then is moves
  // only: no loss to ask about or hold.
  let forgotten: string[] = [];
  // A folder kept here though removed elsewhere (it held files not synced,
  // folder_apply_dirs.ts): its row names the removal; gone now, nothing to say.
  const kept = deletions.filter((path) => {
    const v = heldAt(path);
    return index.rows.get(path)?.kind === "dir" && v !== undefined && !isDirectoryVersion(v);
  });
  if (kept.length > 0) {
    forgotten = kept;
    deletions = deletions.filter((path) => !kept.includes(path));
  }
  if (folder.info.rejoined) {
    forgotten = [...forgotten, ...deletions.filter((path) => !moves.has(path))];
    deletions = deletions.filter((path) => moves.has(path));
  }
  const lost = deletions.length - moves.size;
  // Measured in files: an empty folder (an index row of kind "dir") holds
  // nothing to lose, and is not part of what a loss is measured against.
  // Counted, ten empty folders let the deletion of all four files of a
  // folder go out unasked (4 of 14), and the question said "22 of 31 files"
  // of a folder whose status said 30 files. Only folders gone, with a hold
  // pending: asked about in items, as before.
  let files = 0;
  for (const row of index.rows.values()) if (row.kind !== "dir") files++;
  const isDir = (path: string) => index.rows.get(path)?.kind === "dir";
  const lostFiles = deletions.filter((path) => !moves.has(path) && !isDir(path)).length;
  const mass = lostFiles * 2 > files;
  if ((mass || folder.info.held !== undefined) && lost > 0) {
    const label = labelOf(folder.folder, folders.share(folder.folder)?.name);
    const [n, of] = lostFiles > 0 ? [lostFiles, files] : [lost, index.size];
    const ok = await o.confirmMassDelete?.(folder.folder, n, of, folder.root, label) ?? false;
    if (!ok) {
      held = lost;
      deletions = deletions.filter((path) => moves.has(path));
    }
  }
  const skipped: { path: string; reason: string }[] = [];
  for (const path of deletions) {
    const stateVersions = folders.versionsAt(folder.folder, path).map((v) =>
      decodeFileVersion(v.bytes)
    );
    const vv = nextVector(heldVector(heldAt(path), stateVersions), stateVersions, self);
    const tooWide = builtVvProblem(vv);
    if (tooWide !== undefined) {
      skipped.push({ path, reason: tooWide });
      continue;
    }
    // The deletion names the content it deleted, the one this disk held: a
    // device that had not seen it and only touched its copy (same bytes, new
    // mtime) then publishes a version the deletion undoes (conflict.ts), not
    // one that brings the file back everywhere. An edit (other bytes) still wins.
    const gone = heldAt(path);
    const version: FileVersion = {
      kind: "deleted",
      path,
      mtime: now,
      modifiedBy: self,
      vv,
      ...(gone !== undefined && gone.kind !== "deleted"
        ? { deletedContent: contentDigest(gone) }
        : {}),
    };
    ops.push([
      { type: "file.version", folder: folder.folder, version },
      encodeFileVersion(version).length,
    ]);
  }
  if (skipped.length > 0) {
    const out = new Set(skipped.map((p) => p.path));
    deletions = deletions.filter((path) => !out.has(path));
  }
  return { ops, deletions, forgotten, held, skipped };
}
