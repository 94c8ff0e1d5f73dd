/**
 * @module folder_scan_as_read
 * Whether a scan read earlier may still be recorded (folder_scan_publish.ts):
 * the folder is still synced here at the root it was read at, and the index
 * rows the scan writes or drops are still those it read. A command's scan
 * reads every folder, and asks about a mass deletion, before it records
 * any (folder_scan.ts), and neither `folder scan` nor `folder remove` waits
 * for another scan: meanwhile another scan or a round may have recorded the
 * same paths, or the folder been left. Recorded anyway, a left folder got
 * versions after its leave; a path another scan published got a second
 * version, made from the first read (a conflict of the device with itself,
 * one side's content no longer on any disk). Apart because it
 * is the one check made inside the scan's transaction.
 */

import type { LoadedIndex, LocalFolder, SqlFolderLocal } from "../storage/sql_folder_local.ts";

/** True when `folder`'s scan, read against `index`, may record `paths` (see the module comment). */
export function stillAsRead(
  fl: Pick<SqlFolderLocal, "folder" | "indexRowIs">,
  folder: LocalFolder,
  index: LoadedIndex,
  paths: Iterable<string>,
): boolean {
  if (fl.folder(folder.folder)?.root !== folder.root) return false;
  for (const path of paths) {
    if (!fl.indexRowIs(folder.folder, path, index.rows.get(path))) return false;
  }
  return true;
}
