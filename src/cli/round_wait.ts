/**
 * @module round_wait
 * A command that must not overlap a sync round (`folder remove`) takes the
 * round guard (src/storage/round_lock.ts) for as long as it runs: when a
 * round is under way it says so and waits for it to end, and no round
 * starts meanwhile. Found by running mycel: a `folder remove` during a
 * round's fetch said "Stopped syncing" while the round went on writing the
 * folder's files (343 of 400 arrived after it). Waiting, not refusing: the
 * round after a write (`sync now --push`) holds the guard for a moment too.
 *
 * A whole round (`sync now`, the timer's) that finds such a push holding the
 * guard waits for it too, for a while ({@link afterPush}): the push scans no
 * folder and fetches no file, so stepping aside for it lost them until the
 * next round. Found by running mycel: `folder join` says the files "arrive
 * with the next `mycel sync now`", and that `sync now`, typed at once, was
 * skipped for the push the join had started (exit 0, nothing fetched).
 */

import { interruptedError } from "../errors.ts";
import type { RoundGuard, RoundGuardResult } from "../storage/round_lock.ts";
import { lazyImport } from "../lazy_import.ts";
import { pause } from "../deadline.ts";
import type { CommandContext } from "./command.ts";
import { homeRoot } from "./session.ts";

/** How often the guard is tried again while a round holds it (ms). */
const RETRY_MS = 200;
/**
 * Most a whole round waits for a push to end (ms). A push's sessions give up
 * on a silent peer after 3 s; one sending much (a large folder's versions)
 * can take longer, and then the round steps aside as for any other.
 */
export const PUSH_WAIT_MS = 20_000;

/**
 * The round guard of the home, once no round holds it; Ctrl-C while waiting
 * is `action`'s interruption (exit 130, nothing done).
 */
export async function afterRound(
  ctx: CommandContext,
  action: string,
  value: string,
): Promise<RoundGuard> {
  const { tryRoundGuard } = await lazyImport<typeof import("../storage/round_lock.ts")>(
    new URL("../storage/round_lock.ts", import.meta.url),
  );
  const root = homeRoot(ctx);
  let taken = await tryRoundGuard(root);
  if (taken.held) return taken.guard;
  const stop = taken.holder === undefined ? "" : `; to stop it: kill -INT ${taken.holder}`;
  ctx.out.error(
    `Waiting for the sync round under way to end (it may be writing this folder's files${stop})…`,
  );
  while (!taken.held) {
    await pause(RETRY_MS, ctx.signal);
    if (ctx.signal.aborted) {
      throw interruptedError(action, { value, hint: "Nothing changed." });
    }
    taken = await tryRoundGuard(root);
  }
  return taken.guard;
}

/**
 * For a whole round that found the guard `taken` by a push: wait (Ctrl-C:
 * exit 130, nothing ran) until the guard is free, held by something else
 * than a push, or {@link PUSH_WAIT_MS} passed; the last attempt's outcome.
 */
export async function afterPush(
  ctx: CommandContext,
  taken: RoundGuardResult,
  quiet: boolean,
): Promise<RoundGuardResult> {
  if (taken.held || taken.kind !== "push") return taken;
  const { tryRoundGuard } = await lazyImport<typeof import("../storage/round_lock.ts")>(
    new URL("../storage/round_lock.ts", import.meta.url),
  );
  if (!quiet) {
    const who = taken.holder === undefined ? "" : ` (pid ${taken.holder})`;
    ctx.out.error(`Waiting for the push after a change${who} to end…`);
  }
  const until = ctx.now() + PUSH_WAIT_MS;
  while (!taken.held && taken.kind === "push" && ctx.now() < until) {
    await pause(RETRY_MS, ctx.signal);
    if (ctx.signal.aborted) {
      throw interruptedError("run a sync round", { hint: "Nothing ran." });
    }
    taken = await tryRoundGuard(homeRoot(ctx));
  }
  return taken;
}
