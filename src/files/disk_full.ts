/**
 * @module disk_full
 * Folders that can't take writes now. A write into a folder that failed
 * because its disk is full (ENOSPC) is told
 * apart from other failures: the round stops fetching for that folder (each
 * chunk received would only fail again), gives back the space its unfinished
 * file took, and says so in words instead of "os error 28". The next round
 * starts again once there is room.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { TEMP_PREFIX } from "./folder_layout.ts";

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

/**
 * Why nothing can be written into the folder `root` now — its file system
 * is read-only (a card with its lock switch on, a disk mounted read-only)
 * or the folder is not writable by this user — or undefined when a probe
 * file can be made (or the folder is missing: the caller reports that).
 * Checked before a round fetches: each round would otherwise fetch every
 * file and fail to write each one.
 */
export function cannotWrite(root: string): string | undefined {
  const tag = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (b) => b.toString(16).padStart(2, "0"),
  )
    .join("");
  const probe = join(root, `${TEMP_PREFIX}w-${tag}`);
  try {
    Deno.openSync(probe, { write: true, createNew: true, mode: 0o600 }).close();
  } catch (e) {
    if (e instanceof Error && /\(os error 30\)/.test(e.message)) {
      return "the folder can't be written: its file system is read-only";
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      return "the folder can't be written: permission denied";
    }
    if (isDiskFull(e)) return "the disk holding the folder is full";
    return undefined;
  }
  try {
    Deno.removeSync(probe);
  } catch {
    // swept later with the other temporary files
  }
  return undefined;
}
