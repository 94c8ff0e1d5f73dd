/**
 * @module session
 * How commands open the home: read-only for queries, locked for writes, with
 * `init` implied by the first write. A write is committed (fsynced) before
 * anything is reported, then the snapshot is saved and the lock released.
 */

import type { SignedEntry } from "../log/entry.ts";
import type { Op } from "../log/ops.ts";
import { resolveHome } from "../storage/home.ts";
import { Store } from "../storage/store.ts";
import type { CommandContext } from "./command.ts";
import { checkHomeFolder } from "./home_folder.ts";

/** The home folder this invocation uses. */
export function homeRoot(ctx: CommandContext): string {
  const root = resolveHome(ctx.homeFlag, ctx.env);
  checkHomeFolder(root);
  return root;
}

/** Open the home read-only (no lock). */
export function openRead(ctx: CommandContext): Promise<Store> {
  return Store.open(homeRoot(ctx), {
    write: false,
    now: ctx.now,
    env: ctx.env,
    warn: ctx.out.error,
  });
}

/**
 * Open the home for writing, creating it first if it does not exist (the
 * first write implies `init`), run `fn`, save the snapshot, release the lock.
 */
export async function withWrite<T>(
  ctx: CommandContext,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const root = homeRoot(ctx);
  if (!(await Store.exists(root))) {
    const { initHome } = await import("./init_home.ts");
    const { isMycelError } = await import("../errors.ts");
    // Several first writes may race to create the home; one wins, the
    // others simply use what it created.
    const created = await initHome(ctx, root, {}).catch((e) => {
      if (isMycelError(e, "already_initialized")) return undefined;
      throw e;
    });
    if (created) {
      ctx.out.error(`Set up a new mesh for this device in ${root} (device ${created.name}).`);
    }
  }
  let pushing = false;
  const store = await Store.open(root, {
    write: true,
    now: ctx.now,
    env: ctx.env,
    warn: ctx.out.error,
  });
  try {
    if (!store.heads.has(store.deviceId)) {
      // `init` crashed after writing home.json but before its genesis entry.
      const { commitGenesis, defaultName } = await import("./init_home.ts");
      await commitGenesis(store, defaultName(), []);
    }
    const result = await fn(store);
    await store.save();
    pushing = store.committed > 0 && !ctx.offline;
    return result;
  } finally {
    store.close();
    if (pushing) await pushChange(ctx, root);
  }
}

/** How long a write waits for peers after its change is saved. */
export const PUSH_TIMEOUT_MS = 3000;

/**
 * After a local change is durable, offer it to reachable peers right away
 * (the timer's next round catches anything missed). Never fails the command.
 */
async function pushChange(ctx: CommandContext, root: string): Promise<void> {
  try {
    const { syncRound } = await import("../sync/round.ts");
    const { meshRoutes } = await import("./routes.ts");
    const outcomes = await syncRound(root, {
      now: ctx.now,
      env: ctx.env,
      timeoutMs: PUSH_TIMEOUT_MS,
      routes: meshRoutes(),
    });
    const missed = outcomes.filter((o) => o.status !== "synced");
    const { removalInOutcomes, removalMessage } = await import("./removal.ts");
    const removal = removalInOutcomes(outcomes);
    if (removal) {
      ctx.out.error(
        `note: saved on this device only: ${removalMessage(removal)}; pair it again to rejoin`,
      );
    } else if (missed.length > 0) {
      ctx.out.error(
        `note: saved here; ${missed.length} of ${outcomes.length} peers not reached now` +
          " (they get it at the next sync)",
      );
    }
  } catch (e) {
    ctx.out.error(`note: saved here; could not push to peers (${(e as Error).message})`);
  }
}

/**
 * Commit `ops` as one entry (one command, one entry). Returns the entry, or
 * undefined when there was nothing to change.
 */
export async function commitOps(
  store: Store,
  ops: readonly Op[],
): Promise<SignedEntry | undefined> {
  if (ops.length === 0) return undefined;
  return await store.commit(ops);
}
