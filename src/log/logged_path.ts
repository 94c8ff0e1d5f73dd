/**
 * @module logged_path
 * The path rule file versions are decoded with (file_version.ts): relative,
 * `/`-separated, no leading slash; refused are empty paths, `.` and `..`
 * segments, empty segments, backslashes, control characters (C0, DEL, C1),
 * text that is not valid Unicode, names over 255 bytes or paths over 4096
 * bytes of UTF-8, and mycel's own names as they are spelled. An entry
 * refused at ingest stops its author's chain there on every device, so this
 * rule never widens; the stricter rule for what this device writes, reads
 * or scans is files/paths.ts, on the same {@link pathProblem}. Pure.
 */

/**
 * The marker file at a synced folder's root (files/folder_layout.ts lists
 * mycel's names in a folder; these three are part of the log format).
 */
export const MARKER_NAME = ".mycel-folder";
/** The per-device internals folder at the root. */
export const INTERNAL_DIR = ".mycel";
/** Prefix of mycel's temporary files (in the target's own folder). */
export const TEMP_PREFIX = ".mycel-tmp-";

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Longest name (one segment) accepted, in UTF-8 bytes (NAME_MAX). */
export const MAX_NAME_BYTES = 255;

/** UTF-8 length of `text` (a lone surrogate counts 3, as its replacement would). */
export function utf8Length(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // a pair: 4 bytes for 2 code units
        i++;
        continue;
      }
      n += 2;
    } else n += 2;
  }
  return n;
}

/**
 * mycel's own names as entries have always been checked: exactly as
 * spelled, a temporary name in the last segment only (see
 * {@link loggedPathProblem}: this rule can't widen).
 */
export function isLoggedInternalPath(path: string): boolean {
  if (path === MARKER_NAME || path === INTERNAL_DIR || path.startsWith(`${INTERNAL_DIR}/`)) {
    return true;
  }
  return path.slice(path.lastIndexOf("/") + 1).startsWith(TEMP_PREFIX);
}

/**
 * The same check as entries are decoded with: mycel's own names as they
 * are spelled ({@link isLoggedInternalPath}). An entry refused at ingest
 * stops its author's chain there on every device, so this rule never
 * widens: what it lets through and this device can't hold is refused
 * when written (files/paths.ts `relativePathProblem`).
 */
export function loggedPathProblem(path: unknown): string | undefined {
  return pathProblem(path, isLoggedInternalPath);
}

/**
 * Why `path` is not a relative path, `internal` saying which are mycel's own
 * (the rule above, and files/paths.ts's stricter one).
 */
export function pathProblem(
  path: unknown,
  internal: (path: string) => boolean,
): string | undefined {
  if (typeof path !== "string" || path === "") return "it is empty";
  if (!path.isWellFormed()) return "it is not valid Unicode";
  if (path.charCodeAt(0) === 0x2f) return "it is absolute";
  // One pass (this runs for every entry of every scan): characters, then
  // each segment as its closing "/" or the end is reached.
  let start = 0;
  let wide = false; // the segment has non-ASCII: count its bytes
  for (let i = 0; i <= path.length; i++) {
    const c = i < path.length ? path.charCodeAt(i) : 0x2f;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return "it contains a control character";
    if (c === 0x5c) return "it contains a backslash";
    if (c > 0x7f) wide = true;
    if (c !== 0x2f) continue;
    const len = i - start;
    if (len === 0) return "it has an empty segment";
    if (
      path.charCodeAt(start) === 0x2e &&
      (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 0x2e))
    ) {
      return "it has a . or .. segment";
    }
    const bytes = wide ? utf8Length(path.slice(start, i)) : len;
    if (bytes > MAX_NAME_BYTES) return `a name is longer than ${MAX_NAME_BYTES} bytes`;
    start = i + 1;
    wide = false;
  }
  if (path.length > MAX_PATH_BYTES / 3 && utf8Length(path) > MAX_PATH_BYTES) {
    return `it is longer than ${MAX_PATH_BYTES} bytes`;
  }
  if (internal(path)) return "it is one of mycel's own files";
  return undefined;
}
