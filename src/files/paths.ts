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
import { pathProblem } from "../log/logged_path.ts";
import { isInternalPath } from "./folder_layout.ts";
import { quotedText } from "../text_safety.ts";

/** `text` quoted for messages, as every error value is (text_safety.ts quotedText). */
export function showPath(text: string): string {
  return quotedText(text);
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
