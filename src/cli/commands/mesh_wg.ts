/**
 * @module mesh_wg
 * `mycel mesh up` / `mesh down`: the WireGuard interface that joins every
 * admitted device; with `mesh export-wg` (mesh_export_wg.ts) for devices
 * whose WireGuard is managed elsewhere (e.g. the WireGuard phone app).
 */

import { ExitCode, isMycelError, MycelError } from "../../errors.ts";
import { refuseControl } from "../../mesh/child_env.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { plural } from "../../human.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import { safeText } from "../../text_safety.ts";
import { withMeshHome } from "./mesh_home.ts";
import { lazyImport } from "../../lazy_import.ts";
import { exportWgCommand } from "./mesh_export_wg.ts";

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

/** The --interface flag, checked before anything runs (control characters are refused). */
function flagIfname(value: string | boolean | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  refuseControl("use interface name", "the name", value);
  return value;
}

async function needRoot(action: string, command: string): Promise<void> {
  const { canAdminNetwork } = await lazyImport<typeof import("../../mesh/system.ts")>(
    new URL("../../mesh/system.ts", import.meta.url),
  );
  if (await canAdminNetwork()) return;
  throw new MycelError("needs_root", action, "configuring network interfaces needs root", {
    hint: `Run \`${command}\` (or give mycel CAP_NET_ADMIN). Sync works without the mesh too.`,
  });
}

/** The WireGuard commands. */

/**
 * One warning per peer `mesh up` set no endpoint for (none recorded, none
 * learned): its tunnel starts only when that device reaches this one first.
 * Not for WireGuard-only devices (`wireguardOnly`, by id): a phone never has
 * an endpoint, it always dials in, and neither remedy the warning names
 * applies to it (before, every `mesh up` warned about every phone).
 */
export function noEndpointWarnings(
  endpoints: readonly { deviceId: string; endpoint?: string; reason: string }[],
  names: ReadonlyMap<string, string>,
  wireguardOnly: ReadonlySet<string> = new Set(),
): string[] {
  return endpoints.filter((e) => e.reason === "none" && !wireguardOnly.has(e.deviceId)).map((e) => {
    const short = shortDeviceId(e.deviceId);
    return `no endpoint known for ${safeText(names.get(e.deviceId) ?? short)} (${short}): ` +
      "its tunnel waits for it to reach this device first; " +
      "`mycel sync now` with it, or `mycel mesh set-endpoint` on it";
  });
}

export const meshWgCommands: CommandSpec[] = [
  {
    path: ["mesh", "up"],
    summary: "create or update the WireGuard interface with every admitted device as a peer",
    description:
      "Needs root or CAP_NET_ADMIN. Uses kernel WireGuard when available, else starts\n" +
      "wireguard-go. Re-running it applies changes (new devices, revocations) and is safe\n" +
      "from a timer; a tunnel that works keeps the endpoint WireGuard roamed to. All or\n" +
      "nothing: if a step fails, what it made is removed again. Under sudo it uses your\n" +
      "home, not root's. The private key is passed to `wg` on stdin, never in argv.",
    args: [],
    flags: [IFACE, {
      name: "port",
      value: "N",
      help: "UDP port (default 51871, or the last one used)",
    }, {
      name: "no-wait",
      help: "when another mycel is changing the interface, skip (a note, exit 0) instead " +
        "of waiting for it (the timer's unit: that one brings the mesh up or down)",
    }, JSON_FLAG],
    ...WRITES,
    async run(ctx, input) {
      const ifname = flagIfname(input.flags.interface);
      const port = input.flags.port === undefined ? undefined : parsePort(input.flags.port, 0);
      await needRoot("bring the mesh up", "sudo mycel mesh up");
      const { applyMesh } = await lazyImport<typeof import("./mesh_apply.ts")>(
        new URL("./mesh_apply.ts", import.meta.url),
      );
      const { addressesOf, wireguardOnly } = await lazyImport<typeof import("../../mesh/plan.ts")>(
        new URL("../../mesh/plan.ts", import.meta.url),
      );
      const noWait = input.flags["no-wait"] === true;
      let busy: string | undefined;
      const result = await withMeshHome(ctx, "bring the mesh up", async (home) => {
        let r;
        try {
          r = await applyMesh(home, {
            ifname,
            port,
            create: true,
            lockWaitMs: noWait ? 0 : undefined,
            signal: ctx.signal,
          });
        } catch (e) {
          // Whoever holds the lock is bringing the mesh up or down on purpose:
          // the timer's round must not wait up to 30 s for it, nor fail.
          if (!noWait || !isMycelError(e, "mesh_busy")) throw e;
          busy = e.value === undefined ? undefined : String(e.value);
          return undefined;
        }
        const names = new Map(home.view.members().map((m) => [m.record.id, m.record.name]));
        const phones = new Set(
          home.view.members().filter((m) => wireguardOnly(m)).map((m) => m.record.id),
        );
        return {
          ...r,
          names,
          phones,
          addresses: addressesOf(home.meshId, home.view.member(home.device)!.record),
        };
      });
      if (result === undefined) {
        const why = `another mycel is changing the interface${busy ? ` (${busy})` : ""}`;
        ctx.out.error(`note: mesh up skipped: ${why}`);
        if (input.flags.json) ctx.out.json({ skipped: why });
        return ExitCode.ok;
      }
      if (input.flags.json) {
        ctx.out.json({
          interface: result.ifname,
          kernel_name: result.up.real,
          port: result.port,
          backend: result.up.backend,
          created: result.up.created,
          addresses: result.addresses,
          peers: result.peers,
          endpoints: result.up.endpoints.map((e) => ({
            device: e.deviceId,
            endpoint: e.endpoint ?? null,
            reason: e.reason,
          })),
        });
      } else {
        const real = result.up.real !== result.ifname ? ` as ${result.up.real}` : "";
        ctx.out.line(
          `${result.ifname}${real} ${
            result.up.created ? "created" : "updated"
          } (${result.up.backend}, port ${result.port}): ` +
            `${result.addresses.ipv4} ${result.addresses.ipv6}, ${plural(result.peers, "peer")}`,
        );
        for (const w of noEndpointWarnings(result.up.endpoints, result.names, result.phones)) {
          ctx.out.error(`warning: ${w}`);
        }
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
      const ifname = flagIfname(input.flags.interface);
      await needRoot("take the mesh down", "sudo mycel mesh down");
      const { meshDown, checkIfname } = await lazyImport<typeof import("../../mesh/interface.ts")>(
        new URL("../../mesh/interface.ts", import.meta.url),
      );
      const { systemRunner } = await lazyImport<typeof import("../../mesh/system.ts")>(
        new URL("../../mesh/system.ts", import.meta.url),
      );
      const { DEFAULT_INTERFACE } = await lazyImport<typeof import("../../mesh/plan.ts")>(
        new URL("../../mesh/plan.ts", import.meta.url),
      );
      const { holdMeshLock } = await lazyImport<typeof import("../../storage/mesh_lock.ts")>(
        new URL("../../storage/mesh_lock.ts", import.meta.url),
      );
      const done = await withMeshHome(ctx, "take the mesh down", async (home) => {
        // Not in the middle of a `mesh up` (src/storage/mesh_lock.ts).
        using _lock = await holdMeshLock(
          home.paths.root,
          "take the mesh down",
          undefined,
          ctx.signal,
        );
        const local = home.local.get("mesh");
        const name = checkIfname(ifname ?? local?.interface ?? DEFAULT_INTERFACE);
        const r = await meshDown(
          systemRunner({ signal: ctx.signal }),
          name,
          local?.interface === name ? local.pid : undefined,
        );
        if (local?.interface === name) await home.write((w) => w.setLocal("mesh", undefined));
        return { ifname: name, ...r };
      });
      if (input.flags.json) ctx.out.json({ interface: done.ifname, removed: done.removed });
      else ctx.out.line(done.removed ? `${done.ifname} removed` : `${done.ifname} was not up`);
      return ExitCode.ok;
    },
  },
  exportWgCommand,
];
