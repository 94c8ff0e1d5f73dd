/**
 * @module open_no_follow
 * Opening a regular file by name without following a link at that name and
 * without waiting on a FIFO: the one way mycel opens a file that another
 * local user (a folder's owner, a home's owner racing root) can swap for a
 * link or a FIFO between a look and the open. Deno's open follows a link
 * (opening the device it names: some act on open) and waits on a FIFO with
 * no writer forever; a synchronous one in `sync serve` stalled every
 * session of the process (found by a review). On Linux the name is opened
 * with O_NOFOLLOW|O_NONBLOCK (node:fs; Deno has neither), checked to be a
 * regular file, and that very file opened again through /proc/self/fd for a
 * Deno.FsFile; elsewhere by name, as before.
 *
 * `dirFd` opens the name inside a folder already opened (its descriptor):
 * /proc/self/fd/N/name resolves the folder by the descriptor, never again by
 * its path, so a folder on the way swapped for a link after it was checked
 * is not followed ({@link openFolderNoFollow}).
 */

import { parentPath } from "./posix_path.ts";

let nodeFs: typeof import("node:fs") | undefined;

/** Load what the synchronous opens here need (node:fs, on Linux); call once before them. */
export async function loadOpenNoFollow(): Promise<void> {
  if (Deno.build.os === "linux") nodeFs ??= await import("node:fs");
}

/** How to open: read (the default), read and write, or create a new file 0600. */
export interface NoFollowOptions {
  write?: boolean;
  /** Create it (O_CREAT|O_EXCL, mode 0600): Deno.errors.AlreadyExists when anything is there. */
  createNew?: boolean;
}

/**
 * The regular file at `path` opened, or undefined when the name holds a
 * link, a FIFO, a device or a folder. Throws Deno.errors.NotFound,
 * PermissionDenied or AlreadyExists as Deno's open would.
 * {@link loadOpenNoFollow} must have been awaited first.
 */
export function openNoFollowSync(
  path: string,
  opts: NoFollowOptions = {},
): Deno.FsFile | undefined {
  const write = opts.write === true || opts.createNew === true;
  if (Deno.build.os !== "linux") {
    return Deno.openSync(path, { read: true, write, createNew: opts.createNew, mode: 0o600 });
  }
  const fs = nodeFs;
  if (fs === undefined) throw new Error("open_no_follow: loadOpenNoFollow() was not awaited");
  const c = fs.constants;
  const flags = (write ? c.O_RDWR : c.O_RDONLY) | c.O_NOFOLLOW | c.O_NONBLOCK |
    (opts.createNew ? c.O_CREAT | c.O_EXCL : 0);
  let fd: number;
  try {
    fd = fs.openSync(path, flags, 0o600);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ELOOP" || code === "EISDIR" || code === "ENXIO") return undefined;
    if (code === "ENOENT") throw new Deno.errors.NotFound(`no such file: ${path}`);
    if (code === "EEXIST") throw new Deno.errors.AlreadyExists(`file exists: ${path}`);
    if (code === "EACCES" || code === "EPERM") {
      throw new Deno.errors.PermissionDenied(`permission denied: ${path}`);
    }
    throw e;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return undefined;
    return Deno.openSync(`/proc/self/fd/${fd}`, { read: true, write });
  } finally {
    fs.closeSync(fd);
  }
}

/** A folder opened by its descriptor (Linux), to open names inside it. */
export interface OpenFolder extends Disposable {
  /** /proc/self/fd/N: a path naming the folder opened, whatever its path holds now. */
  readonly path: string;
  readonly ino: number;
  readonly dev: number;
  readonly uid: number;
}

/**
 * The folder at `path` opened with O_DIRECTORY|O_NOFOLLOW (Linux; undefined
 * elsewhere or when it is a link or no folder). Closed when disposed.
 */
export function openFolderNoFollow(path: string): OpenFolder | undefined {
  if (Deno.build.os !== "linux") return undefined;
  const fs = nodeFs;
  if (fs === undefined) throw new Error("open_no_follow: loadOpenNoFollow() was not awaited");
  const c = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW | c.O_NONBLOCK);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ELOOP" || code === "ENOTDIR") return undefined;
    if (code === "ENOENT") throw new Deno.errors.NotFound(`no such folder: ${path}`);
    throw e;
  }
  const info = fs.fstatSync(fd);
  return {
    path: `/proc/self/fd/${fd}`,
    ino: info.ino,
    dev: info.dev,
    uid: info.uid,
    [Symbol.dispose]: () => fs.closeSync(fd),
  };
}

/**
 * The regular file at `path` (absolute, real) opened for reading inside
 * the folder its path names, as that folder is now: on Linux the folder is
 * opened once ({@link openFolderNoFollow}) and checked to be `dirname(path)`
 * where its descriptor is, and the name opened in it, so neither a folder on
 * the way swapped for a link after a check by name nor a link at the name
 * is followed; elsewhere by name. Undefined when it is no regular file, or
 * a folder on the way is a link. {@link loadOpenNoFollow} must have been
 * awaited first.
 */
export function openInRealFolder(path: string): Deno.FsFile | undefined {
  if (Deno.build.os !== "linux") return openNoFollowSync(path);
  // Not node:path: every command loads this module (lock_file.ts), and
  // node:path costs each one start-up time (posix_path.ts).
  const dir = parentPath(path);
  using folder = openFolderNoFollow(dir);
  if (folder === undefined || Deno.realPathSync(folder.path) !== dir) return undefined;
  return openNoFollowSync(`${folder.path}/${path.slice(path.lastIndexOf("/") + 1)}`);
}
