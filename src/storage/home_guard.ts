/**
 * @module home_guard
 * Checks before a home is opened, so mycel never writes through a link a
 * local user planted or into a home that is not the caller's:
 * - the home folder and every file mycel opens in it must not be symbolic
 *   links (a link at `mycel.db-wal` must not make root overwrite
 *   `/etc/shadow`), and must be a folder / regular files;
 * - the home must belong to the user running mycel. Root may use a user's
 *   home only when that user delegated it: `sudo` by that user (`SUDO_UID`),
 *   or the system units `sudo mycel service install --system` wrote for it
 *   (`MYCEL_HOME_OWNER`, in root-owned unit files). Files root creates there
 *   are handed back to the home's owner (home_owner.ts, never through a
 *   link). Any other user's home is refused with a hint.
 * SQLite opens files by path, so a link swapped in after these checks is a
 * race a local attacker could still try; the checks close the easy door and
 * the ownership rule keeps other users' homes out of root's reach entirely.
 */

import { parentPath as dirname, resolvePath } from "../posix_path.ts";
import { MycelError } from "../errors.ts";
import type { HomePaths } from "./home.ts";
import { lstatIfAny } from "./fs_probe.ts";
import { rememberGuardedFolder } from "./lock_file.ts";
import { lazyImport } from "../lazy_import.ts";

/** Who runs mycel (injectable for tests). */
export interface Caller {
  /** Effective uid (null where the platform has none). */
  uid: number | null;
  /** As root: the uid whose home root may use (`SUDO_UID`, else `MYCEL_HOME_OWNER`). */
  delegatedBy?: number;
}

/** The current process as a {@link Caller}. */
export function currentCaller(env: (name: string) => string | undefined): Caller {
  const uid = Deno.uid();
  for (const name of ["SUDO_UID", "MYCEL_HOME_OWNER"]) {
    const n = Number(env(name));
    if (uid === 0 && Number.isSafeInteger(n) && n > 0) return { uid, delegatedBy: n };
  }
  return { uid };
}

function linkError(path: string): MycelError {
  return new MycelError("unsafe_home", "open mycel home", "it contains a symbolic link", {
    value: path,
    hint: "Remove the link (mycel never follows links inside its home).",
  });
}

/**
 * Check the home at `paths` for the caller. Returns the uid that should own
 * files mycel creates there (undefined: the caller's own).
 */
export async function guardHome(paths: HomePaths, caller: Caller): Promise<number | undefined> {
  const dir = await lstatIfAny(paths.root);
  if (dir === undefined) return undefined;
  if (dir.isSymlink) throw linkError(paths.root);
  if (!dir.isDirectory) {
    throw new MycelError("bad_home", "open mycel home", "it is not a folder", {
      value: paths.root,
      hint: "Pass --home with a folder (mycel creates it if missing).",
    });
  }
  rememberGuardedFolder(paths.root, dir);
  const owner = dir.uid;
  // The owner first: another user's private home can't even be looked into
  // (lstat of its files fails with EACCES), and that is no reason to name.
  const ours = caller.uid === null || owner === null || owner === caller.uid;
  if (!ours && !(caller.uid === 0 && caller.delegatedBy === owner)) {
    throw new MycelError(
      "foreign_home",
      "open mycel home",
      `it belongs to another user (uid ${owner})`,
      {
        value: paths.root,
        hint: caller.uid === 0
          ? "Run it through sudo from the account that owns this home (then it is used), or as that user."
          : "Run mycel as the user who owns this home, or pass --home with your own.",
      },
    );
  }
  for (const f of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.keys]) {
    const info = await lstatIfAny(f);
    if (info?.isSymlink) throw linkError(f);
    if (info !== undefined && !info.isFile) {
      throw new MycelError(
        "bad_home",
        "open mycel home",
        "a file mycel uses is not a regular file",
        {
          value: f,
        },
      );
    }
  }
  return ours ? undefined : owner;
}

/**
 * Hand files root created in a user's home back to that user. Returns a note
 * when something could not be handed back, else undefined.
 */
export async function handBack(
  paths: HomePaths,
  owner: number | undefined,
): Promise<string | undefined> {
  if (owner === undefined) return undefined;
  const { restoreHomeOwner } = await lazyImport<typeof import("./home_owner.ts")>(
    new URL("./home_owner.ts", import.meta.url),
  );
  return await restoreHomeOwner(paths.root);
}

/**
 * Folders `mkdir -p root` would make, outermost first. Under `sudo`, a home
 * made inside the invoking user's own folder (the usual
 * `~/.local/share/mycel`) is that user's, and so are the folders made for
 * it: created by root, they locked the user out of the home and of
 * `~/.local` itself (found by an exploration helper).
 */
export async function missingFolders(root: string): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = resolvePath(root, Deno.cwd());; dir = dirname(dir)) {
    // Not a folder on the way (`--home FILE/x`): making the home names it.
    const info = await lstatIfAny(dir).catch(() => null);
    if (info === null) return [];
    if (info !== undefined) break;
    missing.unshift(dir);
    if (dirname(dir) === dir) break;
  }
  return missing;
}

/**
 * Give folders root just made (`made`, outermost first) to the user who
 * delegated through sudo, when the folder they were made in is that user's.
 */
export async function giveMadeFolders(made: readonly string[], caller: Caller): Promise<void> {
  if (made.length === 0 || caller.uid !== 0 || caller.delegatedBy === undefined) return;
  const parent = await lstatIfAny(dirname(made[0]));
  if (parent?.uid !== caller.delegatedBy || parent.gid === null) return;
  // Loaded only here (sudo): node:fs costs every command ~40 ms to load.
  const { lchown } = await lazyImport<typeof import("./home_owner.ts")>(
    new URL("./home_owner.ts", import.meta.url),
  );
  for (const dir of made) {
    const info = await lstatIfAny(dir);
    if (info === undefined || !info.isDirectory || info.uid !== 0) return;
    // lchown, never chown: once the folder above is the user's, the user can
    // swap this one for a link to any file between the check and the call
    // (found by the review helper); a swapped link is all that changes hands.
    await lchown(dir, caller.delegatedBy, parent.gid);
  }
}
