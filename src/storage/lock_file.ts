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
 * following a link either, and on Linux both only inside the home folder
 * its guard checked (opened by descriptor: {@link openLockFile}).
 * The locks themselves are advisory flock(2) locks on it, dropped by the
 * kernel when the holder exits, so they never go stale.
 */

import { MycelError } from "../errors.ts";
import { loadOpenNoFollow, openFolderNoFollow, openNoFollowSync } from "../open_no_follow.ts";

/**
 * Identities of home folders as their guard saw them (home_guard.ts), by
 * path: a lock file is opened only in the folder the guard checked.
 */
const guarded = new Map<string, { ino: number | null; dev: number }>();

/** Remember the home folder at `root` as its guard found it (`info`, from lstat). */
export function rememberGuardedFolder(root: string, info: Deno.FileInfo): void {
  guarded.set(root, { ino: info.ino, dev: info.dev });
}

/**
 * Open `path` for locking; `what` names it in the error ("round lock").
 * Throws Deno.errors.NotFound when its folder does not exist.
 *
 * On Linux the folder is opened first (O_DIRECTORY|O_NOFOLLOW), checked to
 * be the one its guard saw (else the one found just before), and the lock
 * file opened inside it through that descriptor (/proc/self/fd/N/name, see
 * src/open_no_follow.ts): a home folder, or a folder above it its owner
 * owns, swapped for a link after the guard no longer leads root to create
 * or lock a file of that name in the folder the link names (found by a
 * review; before, only the lock file's own name was refused as a link).
 */
export async function openLockFile(
  path: string,
  what: string,
  again = true,
): Promise<Deno.FsFile> {
  if (Deno.build.os !== "linux") return await openByName(path, what, again);
  await loadOpenNoFollow();
  const cut = path.lastIndexOf("/");
  const dir = cut <= 0 ? (cut === 0 ? "/" : ".") : path.slice(0, cut);
  const name = path.slice(cut + 1);
  const expected = guarded.get(dir) ?? Deno.lstatSync(dir); // NotFound when missing
  using folder = openFolderNoFollow(dir);
  if (folder === undefined || folder.ino !== expected.ino || folder.dev !== expected.dev) {
    throw unsafe(path, what);
  }
  const inside = `${folder.path}/${name}`;
  for (let tries = again ? 2 : 1; tries > 0; tries--) {
    let file: Deno.FsFile | undefined;
    try {
      file = openNoFollowSync(inside, { write: true }) ??
        (() => {
          throw unsafe(path, what);
        })();
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw permission(e, path);
      try {
        file = openNoFollowSync(inside, { createNew: true });
      } catch (e) {
        if (e instanceof Deno.errors.AlreadyExists) continue; // made meanwhile: look again
        throw permission(e, path);
      }
      if (file === undefined) continue;
    }
    const opened = file!.statSync();
    const after = Deno.lstatSync(inside);
    if (!after.isFile || opened.ino !== after.ino || opened.dev !== after.dev) {
      file!.close();
      throw unsafe(path, what);
    }
    return file!;
  }
  throw unsafe(path, what);
}

/** As Deno's open says them: callers name a refusal (storage_errors.ts). */
function permission(e: unknown, path: string): unknown {
  if (e instanceof Deno.errors.PermissionDenied) {
    return new Deno.errors.PermissionDenied(`permission denied: ${path}`);
  }
  return e;
}

/** Elsewhere than Linux: by name, the lock file's own name checked before and after. */
async function openByName(path: string, what: string, again: boolean): Promise<Deno.FsFile> {
  const before = await Deno.lstat(path).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  });
  if (before !== undefined && !before.isFile) throw unsafe(path, what);
  let file: Deno.FsFile;
  try {
    file = before === undefined
      ? await Deno.open(path, { read: true, write: true, createNew: true, mode: 0o600 })
      : await Deno.open(path, { read: true, write: true });
  } catch (e) {
    const raced = before === undefined
      ? e instanceof Deno.errors.AlreadyExists
      : e instanceof Deno.errors.NotFound;
    if (raced && again) return await openByName(path, what, false);
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

function unsafe(path: string, what: string): MycelError {
  return new MycelError("unsafe_home", "open mycel home", `its ${what} is not a plain file`, {
    value: path,
    hint: "Remove it (mycel never follows links inside its home).",
  });
}
