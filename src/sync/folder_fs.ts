/**
 * @module folder_fs
 * What a folder's file system can do — keep permission bits
 * (src/files/fs_modes.ts), tell names apart by case (src/files/fs_names.ts)
 * — probed once per disk and kept in the folder's local info. Each probe
 * makes and deletes a file in the folder: done every 30-second round, that
 * would be a write to the disk every round (an idle USB drive never sleeps,
 * a laptop's SSD never idles). The root's device number tells when the
 * folder now lives on another disk (a drive mounted in its place), and
 * only then are the probes run again.
 */

import { assertMarker } from "../files/folder_marker.ts";
import { keepsModes } from "../files/fs_modes.ts";
import { ignoresCase } from "../files/fs_names.ts";
import { mountOf } from "../mount_info.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import type { FolderInfo } from "../storage/folder_info.ts";

/** What the probes found. */
export type FolderFs = NonNullable<FolderInfo["fs"]>;

/**
 * The folder's file system as probed (kept in `folder.info.fs` when it is
 * the same disk), or undefined when the folder is missing or unmarked:
 * never a probe file in an unmounted mount point.
 */
export function folderFs(folder: LocalFolder): FolderFs | undefined {
  let dev: number;
  try {
    assertMarker(folder.root, "probe folder");
    dev = Deno.statSync(folder.root).dev;
  } catch {
    return undefined;
  }
  // Another disk mounted there has another device number: only then is the
  // mount table read and the folder probed (never in an idle round).
  const kept = folder.info.fs;
  if (kept !== undefined && kept.dev === dev) return kept;
  const type = mountOf(folder.root)?.type ?? "";
  const modes = keepsModes(folder.root);
  const caseBlind = ignoresCase(folder.root);
  // A probe that could not run (a read-only or full disk) answers from the
  // file system's type, and is not kept: the next round probes again.
  const fat = FAT_LIKE.has(type);
  return {
    dev,
    type,
    modes: modes ?? !fat,
    ignoresCase: caseBlind ?? fat,
    ...(modes === undefined || caseBlind === undefined ? { guessed: true } : {}),
  };
}

/**
 * Mount types with neither permission bits nor case: FAT, exFAT, and the
 * FUSE block devices that usually hold them (exfat-fuse, ntfs-3g).
 */
const FAT_LIKE = new Set(["vfat", "msdos", "exfat", "fuseblk"]);
