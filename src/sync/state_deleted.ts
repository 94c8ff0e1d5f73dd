/**
 * @module state_deleted
 * Whether the folder state deletes a path: the winner of its versions is a
 * deletion. Asked of a hold a write cut short left (files/stale_temps.ts):
 * a held file whose path the folder deleted since is kept under
 * `.mycel/versions/`, not put back — back, it would be a new file and undo
 * the deletion everywhere. Apart so that the scan's settling
 * (folder_scan_read.ts) and the hourly sweep (folder_round.ts) ask the same
 * question; the sweep asked none before and put such a file back.
 */

import { winnerOf } from "../files/conflict.ts";
import { decodeFileVersion } from "../files/file_version.ts";
import type { Home } from "../storage/home_handle.ts";

/** A predicate: does the state of `folder` delete this (folder-relative) path? */
export function deletedInState(home: Home, folder: string): (path: string) => boolean {
  const folders = home.view.folders();
  return (path) => {
    const versions = folders.versionsAt(folder, path);
    return versions.length > 0 &&
      winnerOf(versions.map((v) => decodeFileVersion(v.bytes))).kind === "deleted";
  };
}
