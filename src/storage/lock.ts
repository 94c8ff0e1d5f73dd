/**
 * @module lock
 * The writers' lock: an exclusive `flock` on `<home>/lock`. The kernel drops
 * it when the holder exits, even on kill -9, so it can never go stale; the
 * holder's PID is written into the file so `doctor` can say who holds it.
 */

import { MycelError } from "../errors.ts";

/** A held lock. */
export interface HeldLock {
  /** Release it (idempotent). */
  release(): void;
}

/** PID written in the lock file by its last holder, if readable. */
export async function lockHolder(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await Deno.readTextFile(path)).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when some process holds the lock on `path` right now (checked without waiting long). */
export async function lockIsHeld(path: string): Promise<boolean> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
  try {
    // Only try the lock: unlike acquireLock, leave the file's PID untouched.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((r) => timer = setTimeout(() => r(false), 200));
    const got = await Promise.race([file.lock(true).then(() => true), timedOut]);
    clearTimeout(timer);
    if (got) file.unlockSync();
    return !got;
  } finally {
    file.close();
  }
}

/** Wait up to `timeoutMs` for the exclusive lock on `path`. */
export async function acquireLock(path: string, timeoutMs: number): Promise<HeldLock> {
  const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) =>
    timer = setTimeout(() => resolve(false), timeoutMs)
  );
  const got = await Promise.race([file.lock(true).then(() => true), timedOut]);
  clearTimeout(timer);
  if (!got) {
    const holder = await lockHolder(path);
    file.close();
    throw new MycelError(
      "locked",
      "open state for writing",
      "another mycel process holds the lock",
      {
        value: holder === undefined ? path : `pid ${holder}`,
        hint: "Wait for it to finish; `mycel doctor` shows what holds it.",
      },
    );
  }
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      try {
        // Clear our PID first: a PID left in the file then means a holder
        // that died while writing (the kernel released its lock).
        file.truncateSync(0);
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
}
