/**
 * @module folder_scan_read
 * The first phase of a scan (folder_scan.ts): read the folder's disk
 * against its index (files/scan.ts) with the folder's chunking and what the
 * folder's file system keeps (folder_fs.ts), leaving out the places apart
 * (folder_scan_apart.ts). A missing marker or a bad ignore file stops the
 * folder here, recorded; holds left by a write cut short are settled once
 * stale. Apart because it is the one phase that reads the disk: the phases
 * after it only turn what it found into versions.
 */

import { isMycelError } from "../errors.ts";
import { lazyImport } from "../lazy_import.ts";
import { DEFAULT_CHUNK_PARAMS } from "../files/chunk_params.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { chunkSecret } from "../files/chunk_key.ts";
import { gearSeedFromSecret } from "../files/gear_seed.ts";
import { scanFolder } from "../files/scan.ts";
import type { ScanOptions, ScanResult } from "../files/scan_types.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LoadedIndex, LocalFolder } from "../storage/sql_folder_local.ts";
import { stoppedInfo } from "../storage/folder_info.ts";
import { apartOptions } from "./folder_scan_apart.ts";
import { type FolderFs, folderFs } from "./folder_fs.ts";
import { sameFileIn } from "./folder_scan_same.ts";
import { leftAloneHere } from "./left_alone.ts";
import { deletedInState } from "./state_deleted.ts";

/** A folder's chunking: fixed parameters, gear seed from the folder's key (files/chunk_key.ts). */
export function chunkSettings(home: Home, folder: string) {
  const secret = chunkSecret(home.view, home.meshId, folder);
  return { params: DEFAULT_CHUNK_PARAMS, seed: gearSeedFromSecret(secret) };
}

/** What reading the disk found, or why the folder is stopped (recorded). */
export type DiskRead =
  | { readonly result: ScanResult; readonly fs: FolderFs | undefined }
  | { readonly stopped: string };

/** Read `folder`'s disk against `index` (see the module comment). */
export async function readDisk(
  home: Home,
  folder: LocalFolder,
  index: LoadedIndex,
  signal?: AbortSignal,
  roundGuard = false,
  onProgress?: ScanOptions["onProgress"],
): Promise<DiskRead> {
  const settings = chunkSettings(home, folder.folder);
  let result: ScanResult;
  let fs: FolderFs | undefined;
  try {
    fs = folderFs(folder);
    result = await scanFolder(folder.root, index, {
      ...settings,
      execOf: fs?.modes !== false ? undefined : (path) => execOfIndexed(index, path),
      // FAT-like: no permission bits, no kept inode numbers either.
      stableInodes: fs?.modes !== false,
      // A folder renamed: its files' chunks from their old rows, not read again.
      sameFile: sameFileIn(home, index, folder.root),
      // The home inside a synced folder: its keys and database never leave the
      // device; another folder synced here is synced on its own.
      ...apartOptions(home, folder),
      signal,
      onProgress,
    });
  } catch (e) {
    if (!isMycelError(e, "folder_stopped") && !isMycelError(e, "bad_ignore_file")) throw e;
    // A marker's stop is its reason alone, as a round records it (markerStop):
    // the message's value, the root, made `folder scan` say the path twice
    // ("folder docs at /x stopped: marker missing — … moved? (/x)").
    const stopped = isMycelError(e, "folder_stopped")
      ? e.reason
      : (e as Error).message.replace(/^Cannot [^:]*: /, "");
    await home.write((w) =>
      w.folderLocal.setInfo(folder.folder, stoppedInfo(folder.info, stopped))
    );
    return { stopped };
  }
  if (result.holds.length > 0) {
    // A write or deletion cut short inside its swap left a hold: settled once
    // stale (minutes), not only at the hourly sweep — until then the name is
    // empty and a peer's newer version of it is refused. Under the round
    // guard at once: only rounds swap, and this one has not begun to, so the
    // process that made the hold is gone (a kill inside the swap). Best
    // effort. A held file whose path the folder deleted since is kept, not
    // put back: back, it would be a new file and undo the deletion everywhere.
    const { settleStaleHolds } = await lazyImport<typeof import("../files/stale_temps.ts")>(
      new URL("../files/stale_temps.ts", import.meta.url),
    );
    // (Its ignore rules were read by the scan; unreadable now, the holds wait.)
    await leftAloneHere(home, folder).then((leftAlone) =>
      settleStaleHolds(folder.root, result.holds, {
        now: home.now(),
        deleted: deletedInState(home, folder.folder, leftAlone),
        ...(roundGuard ? { olderThanMs: 0 } : {}),
      })
    ).catch(() => []);
  }
  return { result, fs };
}

/** The execute bit of the version `path` holds in this device's index (false for none). */
function execOfIndexed(index: LoadedIndex, path: string): boolean {
  const bytes = index.rows.get(path)?.version;
  if (bytes === null || bytes === undefined) return false;
  try {
    const v = decodeFileVersion(bytes);
    return v.kind === "file" && v.exec;
  } catch {
    return false;
  }
}
