/**
 * @module keep_version
 * Put the current file at a path into `.mycel/versions/` before it is
 * replaced (hard link: instant, and the old content survives the rename
 * over its name) or deleted (move). Falls back to a copy where links or
 * cross-device moves don't work. The kept copy keeps its mtime. A file
 * already moved aside (held_file.ts) is kept from where it is (`from`).
 */

import { dirname, join } from "node:path";
import { ensureRealParents } from "./safe_paths.ts";
import { versionPathFor } from "./versions.ts";

/**
 * Keep a version of `relPath` (the file now at `from`, absolute, when
 * given); returns the kept copy's folder-relative path.
 */
export async function keepVersion(
  realRoot: string,
  relPath: string,
  how: "link" | "move",
  now: number,
  from: string = join(realRoot, relPath),
): Promise<string> {
  let rel = versionPathFor(relPath, now);
  // Two versions kept in one millisecond: take the next free stamp.
  for (let bump = 1; exists(join(realRoot, rel)); bump++) {
    rel = versionPathFor(relPath, now + bump);
  }
  ensureRealParents(realRoot, dirname(rel));
  const to = join(realRoot, rel);
  try {
    if (how === "link") Deno.linkSync(from, to);
    else Deno.renameSync(from, to);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw e;
    // Links unsupported, or the versions folder is on another device: copy.
    const info = await Deno.lstat(from);
    if (info.isSymlink) {
      await Deno.symlink(await Deno.readLink(from), to);
    } else {
      await Deno.copyFile(from, to);
      if (info.mtime !== null) await Deno.utime(to, info.atime ?? info.mtime, info.mtime);
    }
    if (how === "move") await Deno.remove(from);
  }
  return rel;
}

/** True when something (not followed if a link) is at `abs`. */
export function exists(abs: string): boolean {
  try {
    Deno.lstatSync(abs);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
