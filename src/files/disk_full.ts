/**
 * @module disk_full
 * Folders that can't take writes now. A write into a folder that failed
 * because its disk is full (ENOSPC) is told
 * apart from other failures: the round stops fetching for that folder (each
 * chunk received would only fail again), gives back the space its unfinished
 * file took, and says so in words instead of "os error 28". The next round
 * starts again once there is room.
 */

import { MycelError } from "../errors.ts";
import { mountOf } from "../mount_info.ts";

/** True when `e` says the disk is full. */
export function isDiskFull(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (e as { code?: string }).code === "ENOSPC" || /\(os error 28\)/.test(e.message);
}

/** How the reason of a path not written for want of room starts (here and folder_apply_files.ts). */
export const DISK_FULL_REASON = "the disk holding the folder is full";

/** True when a path was not written for want of room on the folder's disk. */
export const isFullReason = (reason: string): boolean => reason.startsWith(DISK_FULL_REASON);

/** The named error for a folder whose disk is full. */
export function folderDiskFull(root: string, cause: unknown): MycelError {
  return new MycelError("disk_full", "write file", DISK_FULL_REASON, {
    value: root,
    hint: "Free some space there; the files arrive with a later round.",
    cause,
  });
}

/**
 * Why nothing can be written into the folder `root` now — its file system
 * is mounted read-only (a card with its lock switch on, a disk mounted
 * read-only) — or undefined. Asked before a round fetches: each round
 * would otherwise fetch every file and fail to write each one. Read from
 * the mount table, so asking writes nothing (a probe file every round
 * would keep an idle drive awake); where there is none, a write that
 * fails with EROFS says it instead ({@link isUnwritable}).
 */
export function cannotWrite(root: string): string | undefined {
  return mountOf(root)?.readOnly ? READ_ONLY : undefined;
}

const READ_ONLY = "the folder can't be written: its file system is read-only";

/**
 * Why a write failed with `e` when the whole folder refuses writes (its
 * file system is read-only), else undefined. A permission error is not
 * that: one locked subfolder must not stop the rest (reported per path).
 */
export function isUnwritable(e: unknown): string | undefined {
  return e instanceof Error && /\(os error 30\)/.test(e.message) ? READ_ONLY : undefined;
}
