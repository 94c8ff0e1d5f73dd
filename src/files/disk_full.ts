/**
 * @module disk_full
 * A write into a folder that failed because its disk is full (ENOSPC), told
 * apart from other failures: the round stops fetching for that folder (each
 * chunk received would only fail again), gives back the space its unfinished
 * file took, and says so in words instead of "os error 28". The next round
 * starts again once there is room.
 */

import { MycelError } from "../errors.ts";

/** True when `e` says the disk is full. */
export function isDiskFull(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (e as { code?: string }).code === "ENOSPC" || /\(os error 28\)/.test(e.message);
}

/** The named error for a folder whose disk is full. */
export function folderDiskFull(root: string, cause: unknown): MycelError {
  return new MycelError("disk_full", "write file", "the disk holding the folder is full", {
    value: root,
    hint: "Free some space there; the files arrive with a later round.",
    cause,
  });
}
