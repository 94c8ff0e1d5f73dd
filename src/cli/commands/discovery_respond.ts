/**
 * @module discovery_respond
 * `mycel discovery respond --stdio`: answer the LAN discovery probes that
 * the mycel-discovery socket unit hands over (docs/discovery.md). Apart from
 * the sync commands because it serves no session: it only tells members
 * looking for this device which port to dial.
 */

import { ExitCode, usageError } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, LOCAL } from "../command.ts";
import { homeRoot } from "../session.ts";
import { plural } from "../../human.ts";
import { lazyImport } from "../../lazy_import.ts";

/** `mycel discovery respond --stdio [--sync-port N]`. */
export const discoveryRespondCommand: CommandSpec = {
  path: ["discovery", "respond"],
  summary: "answer LAN discovery probes handed over by the mycel-discovery socket unit",
  description:
    "--stdio reads the probes of members looking for this device from standard input (a\n" +
    "systemd datagram socket, Accept=no, on UDP 7850), answers each with this device's\n" +
    "sync port, and exits after 10 quiet seconds. See docs/discovery.md.",
  args: [],
  flags: [
    { name: "stdio", help: "read probes from standard input (required)" },
    {
      name: "sync-port",
      value: "N",
      help: "TCP port this device accepts sync on (default: its recorded endpoint's)",
    },
  ],
  ...LOCAL,
  async run(ctx, input) {
    if (input.flags.stdio !== true) {
      throw usageError("run mycel discovery respond", "give --stdio (systemd hands the socket)");
    }
    const portText = input.flags["sync-port"] as string | undefined;
    const syncPort = portText === undefined ? undefined : Number(portText);
    if (
      syncPort !== undefined && (!Number.isInteger(syncPort) || syncPort < 1 || syncPort > 65535)
    ) {
      throw usageError("use --sync-port", "it must be 1–65535", { value: portText });
    }
    const { answerStdio } = await lazyImport<typeof import("../../sync/discovery_serve.ts")>(
      new URL("../../sync/discovery_serve.ts", import.meta.url),
    );
    const n = await answerStdio(homeRoot(ctx), {
      syncPort,
      env: ctx.env,
      log: (line) => ctx.out.error(safeText(line)),
    });
    ctx.out.error(`answered ${plural(n, "probe")}`);
    // The last read of standard input cannot be cancelled: leave now.
    Deno.exit(ExitCode.ok);
  },
};
