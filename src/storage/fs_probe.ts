/**
 * @module fs_probe
 * Looking at a path without following it: `lstat`, with "not there" as
 * `undefined` rather than an exception. Other errors (permission, I/O) are
 * thrown: a home mycel cannot inspect must not pass for an empty one.
 */

/** `Deno.lstat(path)`, or undefined when nothing is there. */
export async function lstatIfAny(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** True when something (of any kind, a link included) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return (await lstatIfAny(path)) !== undefined;
}
