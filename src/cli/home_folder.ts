/**
 * @module home_folder
 * A home given as a path that cannot be a folder (a file, or a path through
 * a file) is a mistake a user can make with `--home` or `MYCEL_HOME`: it is
 * named as such before anything tries to read or create files inside it.
 */

import { ExitCode, MycelError } from "../errors.ts";

/** Throw `home_not_folder` when `root` exists but is not a folder, or cannot be one. */
export function checkHomeFolder(root: string): void {
  let isFile = false;
  try {
    isFile = !Deno.statSync(root).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotADirectory) isFile = true;
    // NotFound is fine (the first write creates it); anything else surfaces later, named.
  }
  if (isFile) {
    throw new MycelError("home_not_folder", "use home folder", "it is not a folder", {
      value: root,
      hint: "--home and MYCEL_HOME name a folder (created when missing), not a file.",
      exit: ExitCode.usage,
    });
  }
}
