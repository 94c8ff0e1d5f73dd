/**
 * @module routes
 * How `sync now` reaches peers: their advertised endpoints ("direct"). The
 * WireGuard mesh adds mesh addresses in front when the interface is up.
 */

import type { DeviceRecord } from "../log/device_record.ts";
import { directRoutes, type Route } from "../sync/round.ts";
import type { CommandContext } from "./command.ts";

/** The route function for this invocation. */
export function meshRoutes(_ctx: CommandContext): Promise<(peer: DeviceRecord) => Route[]> {
  return Promise.resolve(directRoutes);
}
