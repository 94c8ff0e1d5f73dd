/**
 * @module peer_routes
 * The ways to reach a peer directly: where a session with it last worked
 * (remembered a week), then the endpoints its record advertises.
 */

import type { DeviceRecord } from "../log/device_record.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import type { PeerBook } from "../storage/local_state.ts";

/** One way to reach a peer. */
export interface Route {
  /** "direct" (its advertised endpoint) or "mesh" (its WireGuard address). */
  path: string;
  /** Host to dial. */
  host: string;
  /** Port to dial. */
  port: number;
}

/** Endpoints that worked more than this long ago (ms) are no longer tried first. */
export const REACH_MEMORY_MS = 7 * 24 * 3600_000;

/**
 * The direct routes of `peer`: where a session with it last worked (newest
 * first, from `book.reachAt`), then its advertised endpoints.
 */
export function directRoutes(peer: DeviceRecord, book?: PeerBook, now = Date.now()): Route[] {
  const remembered = Object.entries(book?.reachAt ?? {})
    .filter(([, at]) => now - at < REACH_MEMORY_MS)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([e]) => e);
  const routes: Route[] = [];
  for (const e of new Set([...remembered, ...peer.endpoints])) {
    try {
      routes.push({ path: "direct", ...parseEndpoint(e) });
    } catch {
      // bookkeeping from an older release; the record's endpoints are checked
    }
  }
  return routes;
}
