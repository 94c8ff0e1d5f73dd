/**
 * @module fs_probe
 * Looking at a path without following it: `lstat`, with "not there" as
 * `undefined` rather than an exception. Other errors (permission, I/O) are
 * thrown: a home mycel cannot inspect must not pass for an empty one.
 * The calls are synchronous underneath: an `lstat` waits on nothing worth
 * yielding for, and Deno's asynchronous form hands each call to a worker
 * thread, which cost a short command about 0.4 ms a call (opening a home
 * makes six). {@link fileStamp} says whether a file was replaced.
 */

/** `Deno.lstat(path)`, or undefined when nothing is there. */
export function lstatIfAny(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return Promise.resolve(Deno.lstatSync(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return Promise.resolve(undefined);
    return Promise.reject(e);
  }
}

/** True when something (of any kind, a link included) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  return (await lstatIfAny(path)) !== undefined;
}

/** Identity of a file as inode, size and mtime ("" when it is missing): changes when it is replaced. */
export function fileStamp(path: string): Promise<string> {
  try {
    const s = Deno.statSync(path);
    return Promise.resolve(`${s.ino}:${s.size}:${s.mtime?.getTime()}`);
  } catch {
    return Promise.resolve("");
  }
}
