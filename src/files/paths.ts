/**
 * @module paths
 * Relative paths inside a synced folder, as they travel between devices:
 * "dir/sub/name", `/`-separated, no leading slash. Every path from a peer
 * passes {@link checkRelativePath} before anything is looked up or written,
 * so a path can never leave the folder or touch mycel's own files.
 *
 * Refused: empty, absolute, `.` and `..` segments, empty segments (`a//b`,
 * trailing `/`), backslashes (a separator on Windows), NUL and other control
 * characters (C0, DEL, C1), text that is not valid Unicode, names over 255
 * bytes or paths over 4096 bytes of UTF-8, and mycel internals
 * (folder_layout.ts). Names that are merely unportable (Windows reserved
 * names, `:`, trailing dots) are allowed here and reported by
 * path_portability.ts.
 */

import { MycelError } from "../errors.ts";
import { isInternalPath, isLoggedInternalPath } from "./folder_layout.ts";

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
 * `text` quoted and escaped for messages: JSON escapes plus DEL, C1 controls
 * and bidirectional formatting characters as `\uXXXX`, so a hostile name
 * can't drive or disguise a terminal line.
 */
export function showPath(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Why `path` is not an acceptable relative path to write, read or scan on
 * this device, or undefined when it is. Refuses mycel's own names in any
 * case and a temporary name in any segment ({@link isInternalPath}).
 */
export function relativePathProblem(path: unknown): string | undefined {
  return pathProblem(path, isInternalPath);
}

/**
 * The same check as entries are decoded with: mycel's own names as they
 * are spelled ({@link isLoggedInternalPath}). An entry refused at ingest
 * stops its author's chain there on every device, so this rule never
 * widens: what it lets through and this device can't hold is refused
 * when written ({@link relativePathProblem}).
 */
export function loggedPathProblem(path: unknown): string | undefined {
  return pathProblem(path, isLoggedInternalPath);
}

function pathProblem(path: unknown, internal: (path: string) => boolean): string | undefined {
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

/**
 * Check a relative path from a peer (or any untrusted source); returns it.
 * @throws MycelError `bad_path` naming the reason and the (escaped) path
 */
export function checkRelativePath(path: unknown): string {
  const problem = relativePathProblem(path);
  if (problem === undefined) return path as string;
  const shown = typeof path === "string" ? showPath(path.slice(0, 120)) : typeof path;
  throw new MycelError("bad_path", "accept path", problem, {
    value: shown,
    hint: "Paths inside a folder are relative, /-separated, without . or .. parts.",
  });
}

/** The parent part of a checked path ("" at the root). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** The folders above a checked path, nearest first ("a/b/c" → "a/b", "a"). */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let p = parentOf(path); p !== ""; p = parentOf(p)) out.push(p);
  return out;
}

/** The last segment of a checked path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
