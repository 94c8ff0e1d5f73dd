/**
 * @module listen_lock
 * Which ports a `sync serve --listen` of this home answers on right now:
 * each one holds a shared advisory lock (flock(2)) on
 * `<home>/listen-<port>.lock` while it listens, which the kernel drops when
 * it exits, even on kill -9, so the answer never goes stale (no PID that
 * may have been reused). A serve starting on another port asks before it
 * moves the advertised endpoint: one a live serve answers on stays
 * (src/sync/self_record.ts). Never opened through a symbolic link.
 */

import { openLockFile } from "./lock_file.ts";

/** File name of the lock of a listener on `port`. */
export function listenLockFile(port: number): string {
  return `listen-${port}.lock`;
}

/**
 * Note that a listener of the home at `root` answers on `port` until the
 * returned handle is disposed (or the process exits). Undefined when the
 * lock cannot be taken (no home there, a read-only disk): nothing then
 * keeps another serve from moving the endpoint, as before.
 */
export async function holdListenLock(
  root: string,
  port: number,
): Promise<Disposable | undefined> {
  let file: Deno.FsFile;
  try {
    file = await openLockFile(`${root}/${listenLockFile(port)}`, "listen lock");
  } catch {
    return undefined;
  }
  try {
    if (!await file.tryLock(false)) throw new Error("held exclusively");
  } catch {
    file.close();
    return undefined;
  }
  let open = true;
  return {
    [Symbol.dispose]: () => {
      if (open) file.close(); // closing drops the lock
      open = false;
    },
  };
}

/** True when a listener of the home at `root` (another process) answers on `port` now. */
export async function listenerLive(root: string, port: number): Promise<boolean> {
  const path = `${root}/${listenLockFile(port)}`;
  const there = await Deno.lstat(path).then((s) => s.isFile, () => false);
  if (!there) return false;
  let file: Deno.FsFile;
  try {
    file = await openLockFile(path, "listen lock");
  } catch {
    return false;
  }
  try {
    // An exclusive lock is refused while any listener holds its shared one.
    return !await file.tryLock(true);
  } catch {
    return false;
  } finally {
    file.close();
  }
}
