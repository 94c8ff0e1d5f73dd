/**
 * @module mesh_wg
 * `mycel mesh up` / `mesh down`: the WireGuard interface that joins every
 * admitted device, and `mesh export-wg` for devices whose WireGuard is
 * managed elsewhere (e.g. the WireGuard phone app).
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { plural } from "../human.ts";
import { commitOps, openWrite, withWrite } from "../session.ts";

const IFACE = {
  name: "interface",
  value: "NAME",
  help: "interface name (default mycel0)",
} as const;

function parsePort(text: string | boolean | undefined, fallback: number): number {
  if (text === undefined || typeof text === "boolean") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new MycelError("usage", "use --port", "it must be 1–65535", {
      value: String(text),
      exit: ExitCode.usage,
    });
  }
  return n;
}

/** The WireGuard commands. */
export const meshWgCommands: CommandSpec[] = [
  {
    path: ["mesh", "up"],
    summary: "create or update the WireGuard interface with every admitted device as a peer",
    description:
      "Needs root or CAP_NET_ADMIN. Uses kernel WireGuard when available, else starts\n" +
      "wireguard-go. Re-running it applies changes (new devices, revocations) and is safe\n" +
      "from a timer. The private key is passed to `wg` on stdin, never in argv.",
    args: [],
    flags: [IFACE, {
      name: "port",
      value: "N",
      help: "UDP port (default 51871, or the last one used)",
    }, JSON_FLAG],
    ...WRITES,
    async run(ctx, input) {
      const mesh = await import("../../mesh/interface.ts");
      const { planInterface, DEFAULT_INTERFACE, DEFAULT_WG_PORT, addressesOf, ipv4Losers } =
        await import(
          "../../mesh/plan.ts"
        );
      const { allocateIpv4 } = await import("../../mesh/addresses.ts");
      const { systemRunner, canAdminNetwork } = await import("../../mesh/system.ts");
      if (!(await canAdminNetwork())) {
        throw new MycelError(
          "needs_root",
          "bring the mesh up",
          "configuring network interfaces needs root",
          {
            hint:
              "Run `sudo mycel mesh up` (or give mycel CAP_NET_ADMIN). Sync works without the mesh too.",
          },
        );
      }
      // Decide and record in one short transaction; configure the system
      // outside it (never hold the home's write lock across `ip`/`wg` calls).
      const home = await openWrite(ctx);
      let result;
      try {
        const planned = await home.write(async (w) => {
          const local = home.local.get("mesh");
          const ifname = mesh.checkIfname(
            (input.flags.interface as string | undefined) ?? local?.interface ?? DEFAULT_INTERFACE,
          );
          const port = parsePort(input.flags.port, local?.port ?? DEFAULT_WG_PORT);
          const self = w.view.member(home.device)!.record;
          const fields: { wgPort?: number; ipv4?: string } = {};
          if (self.wgPort !== port) fields.wgPort = port;
          // Two devices admitted at once may have drawn the same IPv4; the one
          // admitted later (see ipv4Losers) takes a new address.
          if (ipv4Losers(w.view).has(self.id)) {
            const others = w.view.members().filter((m) => m.record.key !== home.device);
            fields.ipv4 = allocateIpv4(
              home.meshId,
              self.id,
              new Set(others.map((m) => m.record.ipv4)),
            );
          }
          if (Object.keys(fields).length > 0) {
            await commitOps(w, [{ type: "device.update", device: home.device, fields }]);
          }
          const plan = planInterface(w.view, home.meshId, self.id);
          const addresses = addressesOf(home.meshId, w.view.member(home.device)!.record);
          return {
            ifname,
            port,
            plan,
            addresses,
            pid: local?.interface === ifname ? local.pid : undefined,
          };
        });
        const up = await mesh.meshUp({
          ifname: planned.ifname,
          port: planned.port,
          privateKey: (await home.keys()).wgPrivate,
          plan: planned.plan,
          runner: systemRunner,
        });
        const pid = up.pid ?? planned.pid;
        await home.write((w) =>
          w.setLocal("mesh", {
            interface: planned.ifname,
            port: planned.port,
            backend: up.backend,
            ...(pid ? { pid } : {}),
          })
        );
        result = { ...planned, up };
      } finally {
        home.close();
      }
      if (input.flags.json) {
        ctx.out.json({
          interface: result.ifname,
          port: result.port,
          backend: result.up.backend,
          created: result.up.created,
          addresses: result.addresses,
          peers: result.plan.peers.length,
        });
      } else {
        ctx.out.line(
          `${result.ifname} ${
            result.up.created ? "created" : "updated"
          } (${result.up.backend}, port ${result.port}): ` +
            `${result.addresses.ipv4} ${result.addresses.ipv6}, ${
              plural(result.plan.peers.length, "peer")
            }`,
        );
      }
      return ExitCode.ok;
    },
  },
  {
    path: ["mesh", "down"],
    summary: "remove the WireGuard interface (and the wireguard-go process mycel started)",
    args: [],
    flags: [IFACE, JSON_FLAG],
    ...LOCAL,
    async run(ctx, input) {
      const { meshDown, checkIfname } = await import("../../mesh/interface.ts");
      const { systemRunner } = await import("../../mesh/system.ts");
      const { DEFAULT_INTERFACE } = await import("../../mesh/plan.ts");
      const home = await openWrite(ctx);
      let done;
      try {
        const local = home.local.get("mesh");
        const ifname = checkIfname(
          (input.flags.interface as string | undefined) ?? local?.interface ?? DEFAULT_INTERFACE,
        );
        const r = await meshDown(
          systemRunner,
          ifname,
          local?.interface === ifname ? local.pid : undefined,
        );
        if (local?.interface === ifname) await home.write((w) => w.setLocal("mesh", undefined));
        done = { ifname, ...r };
      } finally {
        home.close();
      }
      if (input.flags.json) ctx.out.json({ interface: done.ifname, removed: done.removed });
      else ctx.out.line(done.removed ? `${done.ifname} removed` : `${done.ifname} was not up`);
      return ExitCode.ok;
    },
  },
  {
    path: ["mesh", "export-wg"],
    summary: "print a wg-quick config (and QR) for a device whose WireGuard is managed elsewhere",
    description: "Without DEVICE: this device's own config (for wg-quick instead of `mesh up`).\n" +
      "With a new NAME: admits a WireGuard-only device (e.g. a phone running the WireGuard\n" +
      "app) and prints its config; scan it with --qr. Its key is kept in this home so the\n" +
      "config can be printed again here.",
    args: [{
      name: "DEVICE",
      help: "a WireGuard-only device name (new or made here before)",
      optional: true,
    }],
    flags: [{ name: "qr", help: "also print the config as a QR code" }],
    ...WRITES,
    async run(ctx, input) {
      const { exportWg } = await import("../export_wg.ts");
      const name = input.args.DEVICE as string | undefined;
      const text = await withWrite(ctx, (w, home) => exportWg(home, w, name));
      ctx.out.write(text);
      if (input.flags.qr) {
        const { renderQr } = await import("../qr.ts");
        ctx.out.line(renderQr(text));
      }
      return ExitCode.ok;
    },
  },
];
