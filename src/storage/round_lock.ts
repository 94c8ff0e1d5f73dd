/**
 * @module round_lock
 * The round guard: at most one `mycel sync now` per home at a time, so cron
 * lines and launchd agents need no `flock` binary and a slow round is never
 * joined by the next one. It is an exclusive advisory lock (flock(2), through
 * `Deno.FsFile.tryLock`, on Linux and macOS alike) on `<home>/round.lock`,
 * taken without waiting: the kernel drops it when the holder exits, even on
 * kill -9, so it never goes stale. The holder's PID and kind are written into
 * the file: the PID to name it in the note of the round that was skipped, the
 * kind so a full round can wait out a write's short background push instead
 * of being skipped by it (src/cli/round_wait.ts).
 *
 * This is not the writers' lock of the store: it guards whole rounds, not
 * writes, and never blocks. It is never opened through a symbolic link.
 */

import { sqliteError } from "./storage_errors.ts";
import { openLockFile } from "./lock_file.ts";

/** File name of the guard inside the home. */
export const ROUND_LOCK_FILE = "round.lock";

/** The guard, held until released (or the process exits). */
export interface RoundGuard {
  /** Release it (idempotent). */
  release(): void;
  [Symbol.dispose](): void;
}

/**
 * What holds the guard: a whole round (`sync now`: scan, entries, files) or
 * the push after a write (`sync now --push`: entries only, short timeouts).
 */
export type RoundKind = "round" | "push";

/** Outcome of {@link tryRoundGuard}. */
export type RoundGuardResult =
  | { held: true; guard: RoundGuard }
  | { held: false; holder?: number; kind?: RoundKind };

/**
 * Take the guard of the home at `root` without waiting. When the home does
 * not exist there is nothing to guard: the guard is a no-op and the round
 * reports the missing home itself.
 */
export async function tryRoundGuard(
  root: string,
  kind: RoundKind = "round",
): Promise<RoundGuardResult> {
  const path = `${root}/${ROUND_LOCK_FILE}`;
  let file: Deno.FsFile;
  try {
    file = await openLockFile(path, "round lock");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { held: true, guard: guard(() => {}) };
    throw sqliteError(e, "take the round lock", root); // a read-only or full disk, named
  }
  let got = false;
  try {
    got = await file.tryLock(true);
  } finally {
    if (!got) file.close();
  }
  if (!got) return { held: false, ...await holderOf(path) };
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid} ${kind}\n`));
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

// "PID KIND"; an earlier release wrote the PID alone (its kind unknown: a
// round). Read between the holder's truncate and write, the file is empty.
async function holderOf(path: string): Promise<{ holder?: number; kind?: RoundKind }> {
  try {
    const [first, second] = (await Deno.readTextFile(path)).trim().split(" ");
    const pid = Number.parseInt(first, 10);
    const holder = Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    const kind = second === "push" || second === "round" ? second : undefined;
    return { ...(holder === undefined ? {} : { holder }), ...(kind ? { kind } : {}) };
  } catch {
    return {};
  }
}
