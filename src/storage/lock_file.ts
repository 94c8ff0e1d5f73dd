/**
 * @module lock_file
 * Opening a lock file inside the home (`round.lock`, `mesh.lock`): a plain
 * file, created 0600 when missing, never opened through a symbolic link (one
 * swapped in between the check and the open is caught by comparing inodes).
 * A missing one is created only with O_EXCL (`createNew`), which fails on a
 * link rather than follow it: root opens these in a user's home (`sudo mycel
 * mesh up`, system units), and a plain create through a link the user swapped
 * in after the check made root create the file it named, anywhere
 * (/etc/nologin locks every other user out), before the inode check could
 * refuse it (found by a review). An existing one is opened without
 * following a link either (on Linux: {@link openExisting}).
 * The locks themselves are advisory flock(2) locks on it, dropped by the
 * kernel when the holder exits, so they never go stale.
 */

import { MycelError } from "../errors.ts";

/**
 * Open `path` for locking; `what` names it in the error ("round lock").
 * Throws Deno.errors.NotFound when its folder does not exist.
 */
export async function openLockFile(
  path: string,
  what: string,
  again = true,
): Promise<Deno.FsFile> {
  const before = await Deno.lstat(path).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  });
  if (before !== undefined && !before.isFile) throw unsafe(path, what);
  let file: Deno.FsFile;
  try {
    file = before === undefined
      ? await Deno.open(path, { read: true, write: true, createNew: true, mode: 0o600 })
      : await openExisting(path, what);
  } catch (e) {
    // Made meanwhile (another mycel, or a link) or gone meanwhile: look again, once.
    const raced = before === undefined
      ? e instanceof Deno.errors.AlreadyExists
      : e instanceof Deno.errors.NotFound;
    if (raced && again) return await openLockFile(path, what, false);
    if (raced) throw unsafe(path, what);
    throw e;
  }
  const opened = await file.stat();
  const after = await Deno.lstat(path);
  if (!after.isFile || opened.ino !== after.ino || opened.dev !== after.dev) {
    file.close();
    throw unsafe(path, what);
  }
  return file;
}

/**
 * Open the existing lock file at `path` without following a link at its
 * name. Deno's open follows one, and a link the home's owner swapped in
 * between the check and the open made root open what it named: nothing is
 * written, but opening a device acts by itself (`/dev/watchdog` arms a
 * reset of the machine once closed unstopped; a tape rewinds). On Linux the
 * name is opened with O_NOFOLLOW and O_NONBLOCK (node:fs, loaded only here),
 * checked to be a regular file, and that very file opened again through
 * /proc/self/fd for a Deno.FsFile to lock; elsewhere as before.
 */
async function openExisting(path: string, what: string): Promise<Deno.FsFile> {
  if (Deno.build.os !== "linux") return await Deno.open(path, { read: true, write: true });
  const fs = await import("node:fs");
  const { O_RDWR, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDWR | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT") throw new Deno.errors.NotFound(`${path} is gone`);
    if (code === "ELOOP") throw unsafe(path, what);
    // As Deno's open says them: callers name a refusal (storage_errors.ts).
    if (code === "EACCES" || code === "EPERM") {
      throw new Deno.errors.PermissionDenied(`permission denied: ${path}`);
    }
    throw e;
  }
  try {
    if (!fs.fstatSync(fd).isFile()) throw unsafe(path, what);
    return await Deno.open(`/proc/self/fd/${fd}`, { read: true, write: true });
  } finally {
    fs.closeSync(fd);
  }
}

function unsafe(path: string, what: string): MycelError {
  return new MycelError("unsafe_home", "open mycel home", `its ${what} is not a plain file`, {
    value: path,
    hint: "Remove it (mycel never follows links inside its home).",
  });
}
