/**
 * @module mesh_after_round
 * What `sync now` (the timer's round) and `mesh remove` run when they are
 * done: apply the mesh plan to this device's WireGuard interface when it
 * exists (mesh_if_up.ts: revoked peers drop out within one round), and,
 * when running as root on a user's home (a system unit, sudo), give the
 * files root wrote back to that user. Light on purpose: a round without a
 * mesh interface, not run as root, loads nothing more and costs nothing
 * (its modules are loaded through lazyImport, which deno does not walk ahead).
 */

import { lazyImport } from "../../lazy_import.ts";

/** What the caller knows about the recorded interface. */
export interface AfterRoundOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment (MYCEL_PASSPHRASE for the keys). */
  env: (name: string) => string | undefined;
  /**
   * `local.mesh` as the round saw it: an interface, `undefined` for none, or
   * `"unknown"` when the caller did not read it (it is read here then).
   */
  mesh: { interface: string } | undefined | "unknown";
  /** What stays wrong while the interface cannot be updated (mesh_if_up.ts). */
  pending?: string;
  /** Told the interface's name when the plan was applied to it (mesh_if_up.ts). */
  applied?: (ifname: string) => void;
  /** Ctrl-C: kills a tool run for the apply. */
  signal?: AbortSignal;
}

/** Run the post-round steps; returns lines for standard error, never throws. */
export async function afterRound(root: string, o: AfterRoundOptions): Promise<string[]> {
  const notes: string[] = [];
  if (o.mesh !== undefined) {
    const { applyIfUp } = await lazyImport<typeof import("./mesh_if_up.ts")>(
      new URL("./mesh_if_up.ts", import.meta.url),
    );
    const mesh = o.mesh === "unknown" ? undefined : o.mesh;
    const note = await applyIfUp(root, {
      now: o.now,
      env: o.env,
      mesh,
      pending: o.pending,
      applied: o.applied,
      signal: o.signal,
    });
    if (note) notes.push(note);
  }
  if (Deno.uid() === 0) {
    const owner = await Deno.lstat(root).then((s) => s.uid, () => 0);
    if (owner !== 0) {
      const { restoreHomeOwner } = await lazyImport<typeof import("../../storage/home_owner.ts")>(
        new URL("../../storage/home_owner.ts", import.meta.url),
      );
      const back = await restoreHomeOwner(root).catch((e) => (e as Error).message);
      if (back) notes.push(`note: ${back}`);
    }
  }
  return notes;
}
