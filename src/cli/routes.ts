/**
 * @module routes
 * How `sync now` reaches a peer: through the WireGuard mesh first (the
 * peer's mesh IPv4 at its sync port) when this device's mesh interface is up,
 * then at the peer's advertised endpoints ("direct"). Noise runs inside
 * either way.
 */

import type { DeviceRecord } from "../log/device_record.ts";
import type { Store } from "../storage/store.ts";
import { directRoutes, type Route } from "../sync/round.ts";

/** A route function that tries the mesh first when its interface is up. */
export function meshRoutes(): (peer: DeviceRecord, view: Store) => Promise<Route[]> {
  let up: Promise<boolean> | undefined;
  return async (peer, view) => {
    const direct = directRoutes(peer);
    const mesh = view.local.mesh;
    if (mesh === undefined || peer.ipv4 === "" || direct.length === 0) return direct;
    up ??= (async () => {
      try {
        const { linkExists } = await import("../mesh/interface.ts");
        const { systemRunner } = await import("../mesh/system.ts");
        return await linkExists(systemRunner, mesh.interface);
      } catch {
        return false;
      }
    })();
    if (!(await up)) return direct;
    return [{ path: "mesh", host: peer.ipv4, port: direct[0].port }, ...direct];
  };
}
