/**
 * @module wg_run
 * Running `wg` and finding the interface: `wg show IF dump` parsed, `wg
 * syncconf`/`wg set` with "address already in use" turned into a named
 * `port_in_use` error that says how to fix it, and the endpoint refresh
 * wireguard-go needs after this device's address changed. The private key
 * only ever goes to `wg` on stdin.
 */

import { MycelError } from "../errors.ts";
import { netDriver } from "./net_driver.ts";
import { currentPlatform, firstLine, type Platform, type Runner } from "./system.ts";
import type { WgPeer } from "./wg_config.ts";
import { hungOrInterrupted } from "./tool_deadline.ts";
import { parseWgDump, type WgDump } from "./wg_dump.ts";
import { isValidEndpoint, isWgKey } from "./wg_values.ts";

/** The kernel name of interface `ifname` when it exists. */
export async function findInterface(
  runner: Runner,
  ifname: string,
  platform: Platform = currentPlatform(),
): Promise<string | undefined> {
  return await (await netDriver(runner, platform)).find(ifname);
}

/** True when interface `ifname` exists. */
export async function linkExists(
  runner: Runner,
  ifname: string,
  platform?: Platform,
): Promise<boolean> {
  return (await findInterface(runner, ifname, platform)) !== undefined;
}

/**
 * `wg show REAL dump` of a kernel interface name; undefined when unreadable.
 * A `wg` that hung (`tool_timeout`) or Ctrl-C is no answer: it is thrown.
 */
export async function dumpOf(runner: Runner, real: string): Promise<WgDump | undefined> {
  try {
    const r = await runner.run("wg", ["show", real, "dump"]);
    return r.code === 0 ? parseWgDump(r.stdout) : undefined;
  } catch (e) {
    if (hungOrInterrupted(e)) throw e;
    return undefined;
  }
}

/** `wg show IF dump`, parsed; undefined when the interface is absent or unreadable. */
export async function readWgDump(
  runner: Runner,
  ifname: string,
  platform: Platform = currentPlatform(),
): Promise<WgDump | undefined> {
  const real = platform === "darwin"
    ? await findInterface(runner, ifname, platform).catch((e) => {
      if (hungOrInterrupted(e)) throw e;
      return undefined;
    })
    : ifname;
  return real === undefined ? undefined : await dumpOf(runner, real);
}

export function portInUse(port: number): MycelError {
  return new MycelError("port_in_use", "bring the mesh up", `UDP port ${port} is in use`, {
    value: port,
    hint:
      `Pass --port with a free port (e.g. \`mycel mesh up --port ${
        port === 65535 ? 51872 : port + 1
      }\`), ` +
      `or stop what holds it (\`ss -ulpn 'sport = :${port}'\` shows it).`,
  });
}

/** Run `wg …`; "address already in use" becomes a `port_in_use` error. */
export async function wg(
  runner: Runner,
  args: string[],
  port: number,
  stdin?: string,
): Promise<void> {
  const r = await runner.run("wg", args, { stdin });
  if (r.code === 0) return;
  const text = firstLine(r);
  if (/address (already )?in use/i.test(r.stderr + r.stdout)) throw portInUse(port);
  const denied = /operation not permitted|permission denied/i.test(text);
  throw new MycelError(
    denied ? "needs_root" : "command_failed",
    "configure WireGuard",
    text || `wg exited ${r.code}`,
    {
      value: `wg ${args[0]} ${args[1]}`,
      hint: denied ? "Run it as root (sudo mycel ...) or give mycel CAP_NET_ADMIN." : undefined,
    },
  );
}

/**
 * Set every peer's endpoint again, to the value just chosen. wireguard-go
 * keeps sending from the source address it last used ("sticky sockets");
 * when this device's address changes it goes silent, and nothing but a new
 * endpoint clears that (the kernel module retries by itself). Setting the
 * same endpoint is otherwise a no-op, so a moved device recovers at its next
 * apply — the end of its next round.
 */
export async function refreshEndpoints(
  runner: Runner,
  real: string,
  peers: WgPeer[],
): Promise<void> {
  // Validated again here: these go to `wg` as arguments, not through a config file.
  const args = peers.filter((p) =>
    p.endpoint !== undefined && isValidEndpoint(p.endpoint) && isWgKey(p.publicKey)
  )
    .flatMap((p) => ["peer", p.publicKey, "endpoint", p.endpoint!]);
  if (args.length > 0) await wg(runner, ["set", real, ...args], 0);
}
