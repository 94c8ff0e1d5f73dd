/**
 * @module mesh_if_up
 * Applying the mesh plan at the end of every `sync now` round and after
 * `mesh remove` (mesh_after_round.ts), so a removal or a new device reaches
 * WireGuard within one round on every device running the timer. Only an
 * interface that exists — recorded in local state and present — is touched,
 * and a process without the rights says so in one line instead.
 */

import { findInterface } from "../../mesh/interface.ts";
import { canAdminNetwork, type Runner, systemRunner } from "../../mesh/system.ts";
import { lazyImport } from "../../lazy_import.ts";
import { applyMesh } from "./mesh_apply.ts";

/** Options of {@link applyIfUp}. */
export interface IfUpOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment (for the keys). */
  env: (name: string) => string | undefined;
  /** Command runner (default: the real one). */
  runner?: Runner;
  /** Ctrl-C: kills a tool the real runner runs (and the note says it was interrupted). */
  signal?: AbortSignal;
  /** The interface recorded in local state, when the caller read it already. */
  mesh?: { interface: string };
  /**
   * What stays wrong until someone with the rights applies the plan, for the
   * note a process without them prints (default: removed devices stay).
   */
  pending?: string;
  /** Told the interface's name once the plan was applied to it. */
  applied?: (ifname: string) => void;
}

/**
 * When this device's mesh interface exists, apply the plan to it now (peers
 * revoked since drop out). Quiet when there is no interface; returns one
 * line for standard error when it exists but this process may not change
 * it, or when applying failed. Never throws: a round's result stands.
 */
export async function applyIfUp(root: string, o: IfUpOptions): Promise<string | undefined> {
  const { Home } = await lazyImport<typeof import("../../storage/home_handle.ts")>(
    new URL("../../storage/home_handle.ts", import.meta.url),
  );
  const runner = o.runner ?? systemRunner({ signal: o.signal });
  try {
    let mesh = o.mesh;
    if (mesh === undefined) {
      using home = await Home.open(root, { write: false, now: o.now, env: o.env });
      mesh = home.local.get("mesh");
    }
    if (mesh === undefined || (await findInterface(runner, mesh.interface)) === undefined) {
      return undefined;
    }
    if (!(await canAdminNetwork())) {
      // System units for a user's home run the round as that user and root's
      // `mesh up` right after it (src/service/units.ts): nothing to say.
      if (o.env("MYCEL_MESH_APPLY") === "unit") return undefined;
      const pending = o.pending ?? "removed devices stay in WireGuard";
      return `note: ${mesh.interface} is up but updating its peers needs root; ${pending} ` +
        "until `sudo mycel mesh up` (or `mycel service install --mesh`, as root)";
    }
    const home = await Home.open(root, { write: true, now: o.now, env: o.env });
    try {
      const r = await applyMesh(home, {
        create: false,
        ifname: mesh.interface,
        runner,
        signal: o.signal,
      });
      o.applied?.(mesh.interface);
      if (r.removed !== undefined && r.up.present) {
        return `note: ${r.removed}: ${mesh.interface} has no peers any more; ` +
          "`sudo mycel mesh down` removes it";
      }
    } finally {
      home.close();
    }
    return undefined;
  } catch (e) {
    return `note: could not update the mesh interface: ${(e as Error).message}`;
  }
}
