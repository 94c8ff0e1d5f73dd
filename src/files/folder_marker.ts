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
import { shellQuoted } from "../shell_word.ts";

/** Why a folder without its marker is stopped, as `sync now`, `folder status` and errors say it. */
export const MARKER_MISSING =
  "folder stopped: marker missing — disk not mounted, or the folder moved?";

/** Why looking at a marker failed, when it is not missing. */
export interface MarkerProblem {
  /** Short, without the path ("permission denied", "a loop of symbolic links on its path"). */
  readonly problem: string;
  /** This user may not look (search permission): letting the user in is the way out. */
  readonly denied: boolean;
}

/**
 * Why a folder whose marker can't be looked at is stopped: not "missing" —
 * the disk may well be there. Denied: a folder root without search
 * permission for this user, another user's FUSE mount. Otherwise the file
 * system failed (a network or FUSE mount gone, an I/O error, a loop of
 * links), and letting the user in would be the wrong advice (a review).
 */
export function markerUnreadable(p: MarkerProblem): string {
  return p.denied
    ? `folder stopped: this user can't look at its marker (${p.problem})`
    : `folder stopped: its marker can't be read (${p.problem})`;
}

/** What to do about a folder whose marker this user can't look at. */
export const MARKER_UNREADABLE_HINT =
  "Let this user into the folder (search permission on it and the folders above it), " +
  "or sync it as the user who owns it.";

/** What to do about a folder whose marker the file system fails to show. */
export const MARKER_UNREACHABLE_HINT =
  "Check the disk or mount that holds the folder (`ls -ld` of it); the folder syncs again " +
  "once its marker can be read.";

/** The hint for a marker {@link markerLook} could not look at. */
export const markerHint = (p: MarkerProblem): string =>
  p.denied ? MARKER_UNREADABLE_HINT : MARKER_UNREACHABLE_HINT;

/** Why the folder at `root` is stopped now (marker missing or unreadable), or undefined. */
export function markerStop(root: string): string | undefined {
  const look = markerLook(root);
  if (look === "present") return undefined;
  return look === "missing" ? MARKER_MISSING : markerUnreadable(look);
}

/**
 * What looking at `root`'s marker finds: there, missing (the folder or the
 * marker is not there: an unmounted disk, a moved folder), or why it can't
 * be looked at (another user's FUSE mount, say, for `sudo mycel doctor`).
 * A round stops the folder for either of the last two; `folder status` and
 * `doctor` say "missing" only when it is (a review: "disk not mounted" for a
 * folder root could not look into was wrong advice).
 */
export function markerLook(root: string): "present" | "missing" | MarkerProblem {
  try {
    Deno.lstatSync(join(root, MARKER_NAME));
    return "present";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      return "missing";
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      return { problem: "permission denied", denied: true };
    }
    return { problem: fsProblem(e), denied: false };
  }
}

/** A file system error in a few words, without the path Deno's message ends with. */
function fsProblem(e: unknown): string {
  const code = (e as { code?: string }).code;
  const known: Record<string, string> = {
    ELOOP: "a loop of symbolic links on its path",
    ENOTCONN: "its file system is not connected: a network or FUSE mount gone?",
    EIO: "an input/output error",
    ESTALE: "a stale network file handle",
  };
  if (code !== undefined && known[code]) return known[code];
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/ \(os error \d+\).*$/s, "") || "unknown error";
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
    throw new MycelError("folder_stopped", action, markerUnreadable(look), {
      value: root,
      hint: markerHint(look),
    });
  }
  throw new MycelError("folder_stopped", action, MARKER_MISSING, {
    value: root,
    hint: recreateMarkerHint(root),
  });
}

/**
 * The way back when only the marker went and the folder is there (a copy
 * of `dir/*`, a clean-up of dot files). An empty mount point given a marker
 * so is still no loss: its scan finds every file gone, a mass deletion that
 * is asked about or held.
 */
export function recreateMarkerHint(root: string): string {
  // One shell word however the path is spelt: a root holding a ' ("it's
  // docs") gave `touch '…/it's docs/.mycel-folder'`, which a shell reads as
  // an unclosed quote. Always quoted, so the usual path reads as before.
  return `If the folder is really there, recreate the marker: touch ${
    shellQuoted(`${root}/${MARKER_NAME}`)
  }`;
}

/** The text of the marker `folder add`/`join` write for folder `id`. */
export function markerText(id: string): string {
  return `mycel folder ${id}\n`;
}

/** The folder id a marker's text names, if it names one (`mycel folder ID`). */
export function markerFolder(text: string): string | undefined {
  return /^mycel folder (\S+)\s*$/.exec(text)?.[1];
}
