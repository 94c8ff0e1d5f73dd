/**
 * @module round_wait
 * A command that must not overlap a sync round (`folder remove`) takes the
 * round guard (src/storage/round_lock.ts) for as long as it runs: when a
 * round is under way it says so and waits for it to end, and no round
 * starts meanwhile. Found by running mycel: a `folder remove` during a
 * round's fetch said "Stopped syncing" while the round went on writing the
 * folder's files (343 of 400 arrived after it). Waiting, not refusing: the
 * round after a write (`sync now --push`) holds the guard for a moment too.
 */

import { interruptedError } from "../errors.ts";
import type { RoundGuard } from "../storage/round_lock.ts";
import { lazyImport } from "../lazy_import.ts";
import { pause } from "../transport/deadline.ts";
import type { CommandContext } from "./command.ts";
import { homeRoot } from "./session.ts";

/** How often the guard is tried again while a round holds it (ms). */
const RETRY_MS = 200;

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
