/**
 * @module write_problem
 * Why a path from a peer was not written here, in words that stay the same
 * from one round to the next. The reason is kept with the folder and said
 * again only when it changes (folder_round.ts), so it must not carry what
 * differs per attempt: the OS's own text names the random temporary file the
 * write went through (`… (os error 36): open '/…/.mycel-tmp-3fa9…'`), which
 * made an unchanged problem look new every round. The OS path is dropped;
 * the path the user knows is reported beside the reason.
 *
 * A path longer than the system takes once it is put under where the folder
 * lies here (its folder may lie deeper than on the device that made it) is
 * found before anything is fetched for it ({@link pathTooLongHere}).
 */

import { join } from "node:path";
import { tempNameFor } from "./folder_layout.ts";
import { ancestors } from "./paths.ts";
import { utf8Length } from "../log/logged_path.ts";

/** Longest absolute path a system call takes (PATH_MAX less its NUL: 4096 on Linux, 1024 on macOS). */
export const MAX_ABSOLUTE_PATH_BYTES = Deno.build.os === "darwin" ? 1023 : 4095;

/**
 * Why `relPath` can't be written under `root` because the whole path would
 * be too long, or undefined. Counts the longest name mycel writes on the
 * way: the file's own, or its temporary name, whichever is longer.
 */
export function pathTooLongHere(root: string, relPath: string): string | undefined {
  const slash = relPath.lastIndexOf("/");
  const dir = slash < 0 ? 0 : utf8Length(relPath.slice(0, slash)) + 1;
  const last = relPath.slice(slash + 1);
  const name = utf8Length(last);
  const bytes = utf8Length(root) + 1 + dir + Math.max(name, utf8Length(tempNameFor(last)));
  if (bytes <= MAX_ABSOLUTE_PATH_BYTES) return undefined;
  return `the path is too long where the folder lies on this device (${
    utf8Length(root) + 1 + dir + name
  } bytes with the folder's location; the system takes at most ${MAX_ABSOLUTE_PATH_BYTES})`;
}

/** Why writing `relPath` under `root` failed with `e`, without the OS's paths. */
export function writeReason(root: string, relPath: string, e: unknown): string {
  if (e instanceof Deno.errors.PermissionDenied) {
    return `this user may not write into ${nearestFolder(root, relPath)} (permission denied)`;
  }
  if (!(e instanceof Error)) return String(e);
  return withoutOsPaths(e.message.replace(/^Cannot [^:]*: /, ""));
}

/**
 * `message` without the path(s) Deno appends to an OS error
 * (`No such file or directory (os error 2): rename '/a' -> '/b'`).
 */
export function withoutOsPaths(message: string): string {
  return message.replace(/(\(os error \d+\)): [a-z_]+ '.*'$/s, "$1");
}

/** The deepest folder above `path` that exists in `root`, as `folder status` names it. */
export function nearestFolder(root: string, path: string): string {
  for (const p of ancestors(path)) {
    try {
      if (Deno.lstatSync(join(root, p)).isDirectory) return p;
    } catch {
      // not there (yet): the one above it is where the write was refused
    }
  }
  return "the folder";
}
