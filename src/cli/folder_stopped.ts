/**
 * @module folder_stopped
 * How a stopped folder is told: the line `sync now` and `folder scan` give
 * it, what the user can do about it (hints by the reason's kind: a marker
 * missing, unreadable or unreachable, a bad ignore file), and the error a
 * command ends with under `--json`. The reason is kept as text with the
 * folder, so its kind is told apart from the text the same way everywhere.
 * Apart from sync_folders_report.ts: `folder scan` says the same.
 */

import { MycelError } from "../errors.ts";
import {
  MARKER_UNREACHABLE_HINT,
  MARKER_UNREADABLE_HINT,
  recreateMarkerHint,
} from "../files/folder_marker.ts";
import { safeText } from "../text_safety.ts";

/**
 * "folder docs at /media/card/docs stopped: marker missing — …": the line
 * `sync now` and `folder scan` give a stopped folder (it said "folder docs:
 * folder stopped: …"), with where it is synced when known, as `status` says
 * it: a missing marker is about a path (a disk not mounted, a folder moved),
 * and the line did not say which. The text is escaped for the terminal.
 */
export function stopLine(folder: string, why: string, root?: string): string {
  const at = root === undefined ? "" : ` at ${safeText(root)}`;
  return `folder ${folder}${at} stopped: ${safeText(why.replace(/^folder stopped: /, ""))}`;
}

/**
 * What the user can do about a folder stopped for `why`, as sentences (none
 * when nothing helps); `root`, where it is synced, for the marker to recreate.
 */
export function stoppedHints(folder: string, why: string, root?: string): string[] {
  const hints = markerHints(folder, why, root);
  if (stoppedCode(why) === "bad_ignore_file") {
    hints.push("Fix or remove that ignore file; the folder syncs again on the next round.");
  }
  return hints;
}

/** What the user can do about a folder stopped for its marker (missing, or unreadable). */
export function markerHints(folder: string, why: string, root?: string): string[] {
  const hints = [];
  if (/marker missing/.test(why)) {
    hints.push(`If it moved: \`mycel folder move ${folder} NEWPATH\` (nothing is fetched again).`);
    // Only `folder restore` said this before: a marker deleted with the folder
    // still there left the user only the moved and unmounted cases.
    if (root !== undefined) hints.push(recreateMarkerHint(root));
  }
  if (/can't look at its marker/.test(why)) hints.push(MARKER_UNREADABLE_HINT);
  if (/its marker can't be read/.test(why)) hints.push(MARKER_UNREACHABLE_HINT);
  return hints;
}

/** The reason is kept as text with the folder: its code is told apart the same way. */
function stoppedCode(why: string): "bad_ignore_file" | "folder_stopped" {
  // A marker's stop says so first; a path that merely holds "ignore" is not an ignore file's.
  return /ignore/.test(why) && !/^folder stopped:/.test(why) ? "bad_ignore_file" : "folder_stopped";
}

/**
 * The error a command ends with under `--json` when folders of `results`
 * are stopped (the first named; how many, when more): `sync now`, `folder
 * scan`. `verb` as in "Cannot sync folder docs".
 */
export function stoppedError(
  results: readonly { folder: string; stopped?: string; root?: string }[],
  verb: string,
): MycelError {
  const all = results.filter((x) => x.stopped);
  const { folder, stopped: why, root } = all[0];
  const hints = stoppedHints(folder, why!, root);
  const count = new Set(all.map((x) => x.folder)).size;
  if (count > 1) hints.push(`${count} folders are stopped: see \`mycel folder status\`.`);
  return new MycelError(stoppedCode(why!), `${verb} ${folder}`, why!, {
    hint: hints.length > 0 ? hints.join(" ") : undefined,
  });
}
