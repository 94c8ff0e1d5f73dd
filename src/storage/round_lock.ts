/**
 * @module round_lock
 * The round guard: at most one `mycel sync now` per home at a time, so cron
 * lines and launchd agents need no `flock` binary and a slow round is never
 * joined by the next one. It is an exclusive advisory lock (flock(2), through
 * `Deno.FsFile.tryLock`, on Linux and macOS alike) on `<home>/round.lock`,
 * taken without waiting: the kernel drops it when the holder exits, even on
 * kill -9, so it never goes stale. The holder's PID is written into the file
 * only to name it in the note of the round that was skipped.
 *
 * This is not the writers' lock of the store: it guards whole rounds, not
 * writes, and never blocks.
 */

/** File name of the guard inside the home. */
export const ROUND_LOCK_FILE = "round.lock";

/** The guard, held until released (or the process exits). */
export interface RoundGuard {
  /** Release it (idempotent). */
  release(): void;
  [Symbol.dispose](): void;
}

/** Outcome of {@link tryRoundGuard}. */
export type RoundGuardResult =
  | { held: true; guard: RoundGuard }
  | { held: false; holder?: number };

/**
 * Take the guard of the home at `root` without waiting. When the home does
 * not exist there is nothing to guard: the guard is a no-op and the round
 * reports the missing home itself.
 */
export async function tryRoundGuard(root: string): Promise<RoundGuardResult> {
  const path = `${root}/${ROUND_LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { held: true, guard: guard(() => {}) };
    throw e;
  }
  let got = false;
  try {
    got = await file.tryLock(true);
  } finally {
    if (!got) file.close();
  }
  if (!got) return { held: false, holder: await holderOf(path) };
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  return { held: true, guard: guard(() => file.close()) }; // closing drops the lock
}

function guard(close: () => void): RoundGuard {
  let open = true;
  const release = () => {
    if (open) close();
    open = false;
  };
  return { release, [Symbol.dispose]: release };
}

async function holderOf(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await Deno.readTextFile(path)).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
