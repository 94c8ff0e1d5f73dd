/**
 * @module folder_layout
 * The names mycel itself uses inside a synced folder. Every one is always
 * ignored by scans and refused in paths from peers, so no peer can write
 * into them and they never sync:
 * - `.mycel-folder` (root only): the marker. A folder without it is stopped
 *   (an unmounted disk must never look like "everything was deleted").
 * - `.mycel/` (root only): per-device internals — `.mycel/ignore` (local
 *   ignore additions, gitignore syntax) and `.mycel/versions/` (replaced and
 *   deleted files kept for the retention period).
 * - `.mycel-tmp-*` (any folder): files being assembled; moved into place
 *   when complete, so a crash leaves only these behind. `.mycel-tmp-hold-*`
 *   is a folder holding the file a write is replacing for the instant of
 *   the swap (held_file.ts); a sweep puts it back, never deletes it.
 *   `.mycel-tmp-drop-*` holds a file a peer's deletion is removing, for the
 *   instant of its last check (remove_entry.ts); a sweep finishes that
 *   deletion the safe way, keeping the file under `.mycel/versions/`.
 * `.mycelignore` (root) is NOT internal: it syncs like any file.
 * Names are compared ignoring case: on a file system that ignores case
 * (macOS, Windows, FAT, exFAT) `.MYCEL/ignore` is `.mycel/ignore`, so a
 * peer's path spelled that way would otherwise write into mycel's own files.
 * (Entries are still decoded with the narrower rule they always had:
 * log/logged_path.ts `isLoggedInternalPath`.)
 */

// These three are fixed by the log format (entries naming them are refused at
// ingest, log/logged_path.ts): defined there, listed here with the other names.
import { INTERNAL_DIR, MARKER_NAME, TEMP_PREFIX } from "../log/logged_path.ts";
export { INTERNAL_DIR, MARKER_NAME, TEMP_PREFIX };

/** Local (unsynced) ignore additions, relative to the root. */
export const LOCAL_IGNORE_PATH = ".mycel/ignore";
/** Where replaced and deleted files are kept, relative to the root. */
export const VERSIONS_DIR = ".mycel/versions";
/**
 * Written when the folder stops syncing here (`folder remove`): a random
 * token this device's home keeps too, so a join again can tell the same
 * folder from another one at that path (never synced; src/storage/sql_folder_local.ts).
 */
export const LEFT_TOKEN_PATH = ".mycel/left";
/** The synced ignore file at the root. */
export const IGNORE_FILE_NAME = ".mycelignore";
/** Glob (gitignore syntax) matching mycel's temporary files anywhere. */
export const TEMP_PATTERN = `${TEMP_PREFIX}*`;

/** Prefix of a folder holding a file being replaced (a temporary name too). */
export const HOLD_PREFIX = `${TEMP_PREFIX}hold-`;

/** True when a file name (one segment) is a mycel temporary file. */
export function isTempName(name: string): boolean {
  return folded(name).startsWith(TEMP_PREFIX);
}

/** Lower case of a name or path that starts with "." (only those can be mycel's). */
function folded(name: string): string {
  return name.charCodeAt(0) === 0x2e ? name.toLowerCase() : name;
}

/**
 * True when the relative path `path` ("a/b/c", no leading slash) is one of
 * mycel's own: the marker, anything under `.mycel/`, or a temporary file.
 */
export function isInternalPath(path: string): boolean {
  const p = folded(path);
  if (p === MARKER_NAME || p === INTERNAL_DIR || p.startsWith(`${INTERNAL_DIR}/`)) return true;
  // A temporary name anywhere: a path through a hold folder is mycel's too.
  for (let start = 0; start >= 0;) {
    if (
      path.charCodeAt(start) === 0x2e && isTempName(path.slice(start, start + TEMP_PREFIX.length))
    ) {
      return true;
    }
    const next = path.indexOf("/.", start);
    start = next < 0 ? -1 : next + 1;
  }
  return false;
}

/** A fresh temporary file name for assembling `name` (random, never reused). */
export function tempNameFor(name: string): string {
  const random = crypto.getRandomValues(new Uint8Array(6)).toHex();
  // A short hint of the target, cut at a code point (at most 160 UTF-8
  // bytes), so the temporary name stays within one segment's 255 bytes.
  return `${TEMP_PREFIX}${random}-${[...name].slice(0, 40).join("")}`;
}

/** A fresh name for a folder holding a file being replaced ("h" is never a random's hex). */
export function holdNameFor(): string {
  return `${HOLD_PREFIX}${crypto.getRandomValues(new Uint8Array(6)).toHex()}`;
}

/** Prefix of a folder holding a file being deleted (a temporary name too). */
export const DROP_PREFIX = `${TEMP_PREFIX}drop-`;

/** A fresh name for a folder holding a file being deleted. */
export function dropNameFor(): string {
  return `${DROP_PREFIX}${crypto.getRandomValues(new Uint8Array(6)).toHex()}`;
}

/** True when a name (one segment) is a folder holding a file being deleted. */
export function isDropName(name: string): boolean {
  return name.startsWith(DROP_PREFIX);
}

/** True when a name (one segment) is a folder holding a file being replaced. */
export function isHoldName(name: string): boolean {
  return name.startsWith(HOLD_PREFIX);
}

/** True when a name (one segment) is a hold or drop folder: a file whose name is empty for now. */
export function isHeldName(name: string): boolean {
  return isHoldName(name) || isDropName(name);
}
