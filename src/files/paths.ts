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
import { isInternalPath } from "./folder_layout.ts";

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const MAX_PATH_BYTES = 4096;
/** Longest name (one segment) accepted, in UTF-8 bytes (NAME_MAX). */
export const MAX_NAME_BYTES = 255;

const encoder = new TextEncoder();

/** UTF-8 length of `text` (valid Unicode assumed). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** True when `text` holds a C0 control, DEL or a C1 control. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
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

/** Why `path` is not an acceptable relative path, or undefined when it is. */
export function relativePathProblem(path: unknown): string | undefined {
  if (typeof path !== "string" || path === "") return "it is empty";
  if (!path.isWellFormed()) return "it is not valid Unicode";
  if (hasControl(path)) return "it contains a control character";
  if (path.startsWith("/")) return "it is absolute";
  if (path.includes("\\")) return "it contains a backslash";
  if (utf8Length(path) > MAX_PATH_BYTES) return `it is longer than ${MAX_PATH_BYTES} bytes`;
  for (const name of path.split("/")) {
    if (name === "") return "it has an empty segment";
    if (name === "." || name === "..") return "it has a . or .. segment";
    if (utf8Length(name) > MAX_NAME_BYTES) return `a name is longer than ${MAX_NAME_BYTES} bytes`;
  }
  if (isInternalPath(path)) return "it is one of mycel's own files";
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

/** The last segment of a checked path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
