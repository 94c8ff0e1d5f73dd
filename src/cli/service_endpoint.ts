/**
 * @module service_endpoint
 * Where peers reach the sync socket `service install` sets up: this
 * machine's addresses now, at the port the socket will listen on
 * (src/sync/self_record.ts), and when the device still advertises none,
 * its primary IPv4 address — peers can only connect if they know where.
 * Apart from service_install.ts: it writes the mesh's log, not units.
 */

import type { CommandContext } from "./command.ts";
import { primaryIpv4 } from "./pair_invite.ts";
import { commitOps, homeRoot, withRead, withWrite } from "./session.ts";
import { lazyImport } from "../lazy_import.ts";

/**
 * Advertise this machine's addresses at `port`; when none results and the
 * device had none before the install (`needsEndpoint`), its primary IPv4.
 */
export async function advertiseSyncEndpoints(
  ctx: CommandContext,
  port: number,
  needsEndpoint: boolean,
): Promise<void> {
  // Addresses this machine has now, at the port the socket will listen on.
  const { refreshAt } = await lazyImport<typeof import("../sync/self_record.ts")>(
    new URL("../sync/self_record.ts", import.meta.url),
  );
  const changed = (await refreshAt(homeRoot(ctx), ctx.env, port)).fields;
  if (changed.endpoints) {
    ctx.out.error(`Advertising ${changed.endpoints.join(", ")} as this device's sync endpoints.`);
  }
  const stillNone =
    (await withRead(ctx, (home) => home.view.member(home.device)?.record.endpoints.length)) === 0;
  if (needsEndpoint && stillNone) {
    // Peers can only connect if they know where: advertise this machine's address.
    const endpoint = `${primaryIpv4()}:${port}`;
    await withWrite(
      ctx,
      (w) =>
        commitOps(w, [{
          type: "device.update",
          device: w.device,
          fields: { endpoints: [endpoint] },
        }]),
    );
    ctx.out.error(
      `Advertising ${endpoint} as this device's sync endpoint (change it with \`mycel mesh set-endpoint\`).`,
    );
  }
}
