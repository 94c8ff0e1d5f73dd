/**
 * @module folder_marker
 * The marker check every folder operation starts (and a scan also ends)
 * with: a folder whose `.mycel-folder` is missing is stopped — most often
 * its disk is not mounted, and the empty mount point must never read as
 * "everything was deleted" nor receive files meant for the disk.
 */

import { join } from "node:path";
import { MycelError } from "../errors.ts";
import { MARKER_NAME } from "./folder_layout.ts";

/** Why a folder without its marker is stopped, as `sync now`, `folder status` and errors say it. */
export const MARKER_MISSING =
  "folder stopped: marker missing — disk not mounted, or the folder moved?";

/**
 * Why a folder whose marker this user can't look at is stopped (a folder
 * root without search permission for this user, another user's FUSE
 * mount): not "missing" — the disk may well be there.
 */
export function markerUnreadable(problem: string): string {
  return `folder stopped: this user can't look at its marker (${problem})`;
}

/** What to do about a folder whose marker this user can't look at. */
export const MARKER_UNREADABLE_HINT =
  "Let this user into the folder (search permission on it and the folders above it), " +
  "or sync it as the user who owns it.";

/** Why the folder at `root` is stopped now (marker missing or unreadable), or undefined. */
export function markerStop(root: string): string | undefined {
  const look = markerLook(root);
  if (look === "present") return undefined;
  return look === "missing" ? MARKER_MISSING : markerUnreadable(look.problem);
}

/**
 * What looking at `root`'s marker finds: there, missing (the folder or the
 * marker is not there: an unmounted disk, a moved folder), or why it can't
 * be looked at (another user's FUSE mount, say, for `sudo mycel doctor`).
 * A round stops the folder for either of the last two; `folder status` and
 * `doctor` say "missing" only when it is (a review: "disk not mounted" for a
 * folder root could not look into was wrong advice).
 */
export function markerLook(root: string): "present" | "missing" | { problem: string } {
  try {
    Deno.lstatSync(join(root, MARKER_NAME));
    return "present";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return "missing";
    }
    return {
      problem: e instanceof Deno.errors.PermissionDenied
        ? "permission denied"
        : (e as Error).message ?? String(e),
    };
  }
}

/**
 * Throw unless `root` holds the marker (any kind of entry). A marker this
 * user can't look at stops the folder too, named as such: before, the raw
 * "permission denied" ended the whole `sync now` (every folder, every
 * peer) with the hint to run as the home's owner.
 * @param action what is being done, e.g. "scan folder"
 * @throws MycelError `folder_stopped`
 */
export function assertMarker(root: string, action: string): void {
  const look = markerLook(root);
  if (look === "present") return;
  if (typeof look === "object") {
    throw new MycelError("folder_stopped", action, markerUnreadable(look.problem), {
      value: root,
      hint: MARKER_UNREADABLE_HINT,
    });
  }
  throw new MycelError("folder_stopped", action, MARKER_MISSING, {
    value: root,
    hint: `If the folder is really there, recreate the marker: touch '${root}/${MARKER_NAME}'`,
  });
}

/** The text of the marker `folder add`/`join` write for folder `id`. */
export function markerText(id: string): string {
  return `mycel folder ${id}\n`;
}

/** The folder id a marker's text names, if it names one (`mycel folder ID`). */
export function markerFolder(text: string): string | undefined {
  return /^mycel folder (\S+)\s*$/.exec(text)?.[1];
}
