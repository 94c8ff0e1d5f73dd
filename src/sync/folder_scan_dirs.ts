/**
 * @module folder_scan_dirs
 * The empty folders a scan found without an index row
 * (files/scan.ts `emptyDirs`; docs/folders.md "Empty folders"): each gets
 * a folder's version — a deletion naming `DIRECTORY_MARK`, the form every
 * release reading `deletedContent` decodes — above the versions the state
 * holds there (a file that became a folder supersedes the file), and an
 * index row, so the next scan knows it holds it. Where the state's winner
 * is a folder already (made elsewhere, or here before the index lost it),
 * that version is adopted: nothing published.
 */

import { winnerOf } from "../files/conflict.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import { DIRECTORY_MARK, type FileVersion, isDirectoryVersion } from "../log/file_version.ts";
import { builtVvProblem } from "../log/version_vector.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { FolderRows } from "../log/folder_state.ts";
import type { Op } from "../log/ops.ts";
import type { IndexRow, LoadedIndex } from "../storage/sql_folder_local.ts";
import { folderRow } from "./folder_apply_dirs.ts";
import { heldVector, indexedVersion, nextVector } from "./folder_scan_vectors.ts";

/** Versions and rows of the folders `dirs` of `folder` (see the module comment). */
export function versionsOfDirs(
  folder: string,
  index: LoadedIndex,
  folders: FolderRows,
  self: DeviceId,
  now: number,
  dirs: readonly string[],
): { ops: [Op, number][]; rows: IndexRow[]; skipped: { path: string; reason: string }[] } {
  const ops: [Op, number][] = [];
  const rows: IndexRow[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const path of dirs) {
    const list = folders.versionsAt(folder, path);
    const state = list.map((v) => decodeFileVersion(v.bytes));
    if (state.length > 0) {
      const winner = winnerOf(state);
      if (isDirectoryVersion(winner)) {
        rows.push(folderRow(path, list[state.indexOf(winner)].bytes));
        continue;
      }
    }
    const vv = nextVector(heldVector(indexedVersion(index.rows.get(path)), state), state, self);
    const tooWide = builtVvProblem(vv);
    if (tooWide !== undefined) {
      skipped.push({ path, reason: tooWide });
      continue;
    }
    const version: FileVersion = {
      kind: "deleted",
      path,
      mtime: now,
      modifiedBy: self,
      vv,
      deletedContent: DIRECTORY_MARK,
    };
    const bytes = encodeFileVersion(version);
    ops.push([{ type: "file.version", folder, version }, bytes.length]);
    rows.push(folderRow(path, bytes));
  }
  return { ops, rows, skipped };
}
