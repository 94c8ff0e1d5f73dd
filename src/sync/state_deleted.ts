/**
 * @module state_deleted
 * Whether the folder state deletes a path: the winner of its versions is a
 * deletion. Asked of a hold a write cut short left (files/stale_temps.ts):
 * a held file whose path the folder deleted since is kept under
 * `.mycel/versions/`, not put back — back, it would be a new file and undo
 * the deletion everywhere. Apart so that the scan's settling
 * (folder_scan_read.ts) and the hourly sweep (folder_round.ts) ask the same
 * question; the sweep asked none before and put such a file back. A path
 * this device leaves alone (its ignore rules, left_alone.ts) is never
 * deleted by the state here: its held file goes back to its name, where it
 * undoes nothing, since an ignored path is never published (found by a
 * review: the sweep had moved such a file to `.mycel/versions/`, to be
 * pruned after the keep days).
 */

import { winnerOf } from "../files/conflict.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { Home } from "../storage/home_handle.ts";

/**
 * A predicate: does the state of `folder` delete this (folder-relative) path,
 * one this device does not leave alone (`leftAlone`)?
 */
export function deletedInState(
  home: Home,
  folder: string,
  leftAlone: (path: string) => boolean,
): (path: string) => boolean {
  const folders = home.view.folders();
  return (path) => {
    if (leftAlone(path)) return false;
    const versions = folders.versionsAt(folder, path);
    return versions.length > 0 &&
      winnerOf(versions.map((v) => decodeFileVersion(v.bytes))).kind === "deleted";
  };
}
