/**
 * @module mesh_view
 * Whether this device's mesh interface is up and, when `wg show` can be read
 * (root), its dump: what `sync now` (routes.ts) and `doctor` (doctor_network.ts)
 * decide the mesh route by. Any failure reads as "down", so a device without
 * root or without WireGuard still syncs at the peers' endpoints. The mesh
 * modules load only when the interface is looked at.
 */

import { isMycelError } from "../errors.ts";
import type { Runner } from "../mesh/system.ts";
import type { WgDump } from "../mesh/wg_dump.ts";
import { lazyImport } from "../lazy_import.ts";

/** The interface's state as far as it could be read. */
export interface MeshView {
  up: boolean;
  dump?: WgDump;
}

/**
 * The view of interface `ifname` through `runner` (by default the system's,
 * whose tools Ctrl-C, `signal`, kills).
 */
export async function meshView(
  ifname: string,
  runner?: Runner,
  signal?: AbortSignal,
): Promise<MeshView> {
  try {
    const { linkExists, readWgDump } = await lazyImport<typeof import("../mesh/interface.ts")>(
      new URL("../mesh/interface.ts", import.meta.url),
    );
    const r = runner ??
      (await lazyImport<typeof import("../mesh/system.ts")>(
        new URL("../mesh/system.ts", import.meta.url),
      )).systemRunner({ signal });
    if (!(await linkExists(r, ifname))) return { up: false };
    return { up: true, dump: await readWgDump(r, ifname) };
  } catch (e) {
    if (isMycelError(e, "sync_interrupted")) throw e; // Ctrl-C ends the command
    return { up: false }; // a hung `wg` too: the view is only a hint
  }
}
