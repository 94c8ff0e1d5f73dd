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

/** The home folder this invocation uses. */
export function homeRoot(ctx: CommandContext): string {
  return resolveHome(ctx.homeFlag, ctx.env);
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
    const created = await initHome(ctx, root, {});
    ctx.out.error(`Set up a new mesh for this device in ${root} (device ${created.name}).`);
  }
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
    return result;
  } finally {
    store.close();
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
