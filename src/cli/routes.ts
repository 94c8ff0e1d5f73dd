/**
 * @module routes
 * How `sync now` reaches a peer: through the WireGuard mesh first (the
 * peer's mesh IPv4 at its sync port) when this device's mesh interface is up
 * and the tunnel to that peer is alive (a handshake within the last three
 * minutes, as `wg show` tells), then at the peer's advertised endpoints
 * ("direct"). Noise runs inside either way. When `wg show` cannot be read
 * (no root), the mesh route is still tried first; `round` splits the time
 * between routes so a dead tunnel never uses up the whole budget.
 *
 * The mesh route is only where the peer's own tunnel carries its address:
 * never to a mesh IPv4 another member won (ipv4Losers: the plan routes it to
 * that member), nor, when the dump is read, to one the peer's tunnel does not
 * list. A connect there that times out is taken as the peer's tunnel being
 * silent (silent_tunnel.ts); through another member's tunnel that member
 * could drop it on purpose, and its hints then moved the peer's live tunnel.
 */

import type { DeviceRecord } from "../log/device_record.ts";
import { syncPortOf } from "../mesh/self_endpoints.ts";
import type { Home } from "../storage/home_handle.ts";
import { directRoutes, type Route } from "../sync/peer_routes.ts";
import { lazyImport } from "../lazy_import.ts";
import { type MeshView, meshView } from "./mesh_view.ts";

/** A route function that tries the mesh first when its interface and tunnel are up. */
export function meshRoutes(
  now: () => number = Date.now,
  view: (ifname: string) => Promise<MeshView> = meshView,
): (peer: DeviceRecord, home: Home) => Promise<Route[]> {
  let mesh: Promise<MeshView> | undefined;
  return async (peer, home) => {
    const direct = directRoutes(peer, home.local.peer(peer.key), home.now());
    const local = home.local.get("mesh");
    if (local === undefined || peer.ipv4 === "" || direct.length === 0) return direct;
    mesh ??= view(local.interface);
    const { up, dump } = await mesh;
    if (!up) return direct;
    const { ipv4Losers } = await lazyImport<typeof import("../mesh/plan.ts")>(
      new URL("../mesh/plan.ts", import.meta.url),
    );
    if (ipv4Losers(home.view).has(peer.id)) return direct;
    if (dump) {
      const { isLive } = await lazyImport<typeof import("../mesh/roaming.ts")>(
        new URL("../mesh/roaming.ts", import.meta.url),
      );
      const wg = dump.peers.find((p) => p.publicKey === peer.wgKey);
      if (!isLive(wg, Math.floor(now() / 1000))) return direct;
      if (!wg!.allowedIps.includes(`${peer.ipv4}/32`)) return direct;
    }
    const port = syncPortOf(peer.endpoints, direct[0].port);
    return [{ path: "mesh", host: peer.ipv4, port }, ...direct];
  };
}
