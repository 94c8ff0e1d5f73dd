/**
 * @module _empty_dirs
 * What the empty-folder tests share: a folder's first files, and whether a
 * path is a folder now.
 */

import { put } from "./_helpers.ts";

/** A few files, so that removing two folders is not a mass deletion (held until confirmed). */
export const seed = async (root: string): Promise<void> => {
  for (const n of ["f.txt", "g.txt", "h.txt", "i.txt"]) await put(root, n, "f\n");
};

/** Whether `path` is a folder now (false when nothing is there). */
export const isDir = (path: string): Promise<boolean> =>
  Deno.lstat(path).then((i) => i.isDirectory, (e) => {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  });
