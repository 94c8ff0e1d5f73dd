/**
 * @module home_owner
 * After root (`sudo mycel mesh up`, a system unit) wrote into a home that
 * belongs to a user, hand the files root created back to that user, or the
 * user's own mycel could no longer read its state. Root never follows the
 * user's links here: each candidate is opened with O_NOFOLLOW (and
 * O_NONBLOCK, so a planted FIFO cannot stall it), and only chowned through
 * that open descriptor after checking what it really is — a regular file
 * with one link or a folder, owned by root, on the home's file system, and
 * (from /proc/self/fd) inside the home — so a link or a swapped folder can
 * never make root chown a file elsewhere. Linux only (elsewhere it reports
 * that it did nothing). Bounded: three levels, 10 000 entries.
 */

import * as fs from "node:fs";

const MAX_ENTRIES = 10_000;

/** Change the owner of `path` itself, never of what a link there points to. */
export function lchown(path: string, uid: number, gid: number): Promise<void> {
  return fs.promises.lchown(path, uid, gid);
}
const MAX_DEPTH = 3;

/** What one entry was: a folder to walk into, and whether it was given back. */
interface Looked {
  dir: boolean;
  given: boolean;
}

function chownIfRoots(
  path: string,
  dir: boolean,
  realRoot: string,
  owner: { uid: number; gid: number; dev: number },
): Looked {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = fs.constants;
  let fd: number;
  try {
    fd = fs.openSync(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | (dir ? O_DIRECTORY : 0));
  } catch {
    return { dir: false, given: false };
  }
  try {
    const st = fs.fstatSync(fd);
    const where = Deno.readLinkSync(`/proc/self/fd/${fd}`);
    const inside = where === realRoot || where.startsWith(`${realRoot}/`);
    const kind = dir ? st.isDirectory() : st.isFile() && st.nlink === 1;
    if (!inside || !kind || st.dev !== owner.dev) return { dir: false, given: false };
    if (st.uid === 0) fs.fchownSync(fd, owner.uid, owner.gid);
    return { dir: st.isDirectory(), given: st.uid === 0 };
  } catch {
    return { dir: false, given: false };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Give back to the home's owner what root created in home `root`. Does
 * nothing unless this process is root and the home is someone else's.
 * Returns a note when something could not be checked, else undefined.
 */
export async function restoreHomeOwner(root: string): Promise<string | undefined> {
  const r = await restoreTreeOwner(root, { depth: MAX_DEPTH, entries: MAX_ENTRIES });
  return r.note;
}

/**
 * Give what root created under `root` back to the user who owns `root`
 * itself, down to `limits` (default: the whole tree): as {@link
 * restoreHomeOwner}, for a synced folder too (service_install.ts). Does
 * nothing unless this process is root and `root` is someone else's.
 */
export async function restoreTreeOwner(
  root: string,
  limits = { depth: Infinity, entries: Infinity },
): Promise<{ given: number; note?: string }> {
  if (Deno.uid() !== 0) return { given: 0 };
  let st: Deno.FileInfo;
  try {
    st = await Deno.lstat(root);
  } catch {
    return { given: 0 };
  }
  if (!st.isDirectory || st.uid === null || st.uid === 0) return { given: 0 };
  if (Deno.build.os !== "linux") {
    const note =
      `files root created in ${root} still belong to root: run \`sudo chown -R ${st.uid} ${root}\``;
    return { given: 0, note };
  }
  const owner = { uid: st.uid, gid: st.gid ?? st.uid, dev: st.dev };
  const realRoot = await Deno.realPath(root);
  let seen = 0, given = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      if (++seen > limits.entries) return;
      if (e.isSymlink || (!e.isFile && !e.isDirectory)) continue;
      const path = `${dir}/${e.name}`;
      const looked = chownIfRoots(path, e.isDirectory, realRoot, owner);
      if (looked.given) given++;
      if (looked.dir && depth < limits.depth) await walk(path, depth + 1);
    }
  };
  try {
    await walk(root, 1);
  } catch (e) {
    const note = `could not give every file in ${root} back to its owner: ${(e as Error).message}`;
    return { given, note };
  }
  const note = seen > limits.entries
    ? `stopped after ${limits.entries} entries in ${root}`
    : undefined;
  return { given, note };
}
