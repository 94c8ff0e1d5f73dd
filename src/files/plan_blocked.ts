/**
 * @module plan_blocked
 * A folder plan's answer when the winner at a path is a file or link and
 * other paths present need that name as a folder (folder_plan.ts): the
 * winner moves to its conflict copy's name, the file here goes after the
 * copy is written, and a merge then publishes the path deleted. Decided
 * from the versions alone, so devices doing it at once publish equal
 * deletions.
 */

import type { FileVersion } from "../log/file_version.ts";
import type { Decided, PlanAction } from "./folder_plan_types.ts";

/**
 * The winner at `w.path` is a file or link, and other paths present need
 * that name as a folder. The winner goes to its conflict copy's name (made
 * from its own mtime and device, so the same everywhere), the file here is
 * removed after the copy is written (`late`: its chunks are the copy's), and
 * once the copy exists a merge publishes the path deleted, above every
 * version of it. Devices doing so at once publish equal deletions.
 */
export function blockedByFolder(
  w: Decided,
  copy: (v: FileVersion) => string,
  made: string[],
  removes: PlanAction[],
  merges: PlanAction[],
  conflicts: string[],
): void {
  const { path, row, versions, winner } = w;
  const copyPath = copy(winner);
  if (conflicts.at(-1) !== path) conflicts.push(path); // pushed just before, if at all
  const gone: FileVersion = {
    kind: "deleted",
    path,
    mtime: winner.mtime,
    modifiedBy: winner.modifiedBy,
    vv: winner.vv,
  };
  if (row !== null) {
    removes.push({ kind: "remove", path, id: "", version: gone, expected: row, late: true });
  }
  const needs = made.includes(copyPath) ? made : [...made, copyPath];
  merges.push({ kind: "merge", path, winner: gone, set: versions, copies: needs });
}
