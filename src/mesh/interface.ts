/**
 * @module interface
 * Bringing the mesh interface up, in line with the plan, and down. `meshUp`
 * is idempotent and all or nothing: it creates the interface if missing
 * (through the platform's {@link NetDriver}), applies key, port and peers
 * with `wg syncconf` (peers no longer planned — revoked devices — go away),
 * makes the addresses and routes exactly the planned ones, and if any step
 * fails it removes what this call made (the interface and the wireguard-go
 * it started, by PID; or, on an interface that was already there, the
 * addresses and routes it added) before saying why. Endpoints come from
 * roaming.ts: a live tunnel keeps the endpoint WireGuard roamed to; on
 * wireguard-go the chosen endpoints are set again on every apply (see
 * {@link refreshEndpoints}). The private key goes to `wg` on stdin only.
 */

import { MycelError } from "../errors.ts";
import { type Backend, type NetDriver, netDriver } from "./net_driver.ts";
import type { InterfacePlan } from "./plan.ts";
import { chooseEndpoint, type EndpointHistory, type EndpointReason } from "./roaming.ts";
import { currentPlatform, firstLine, type Platform, type Runner } from "./system.ts";
import { renderWgConfig, type WgPeer } from "./wg_config.ts";
import { parseWgDump, type WgDump } from "./wg_dump.ts";
import { checkIfname } from "./ifname.ts";

export type { Backend } from "./net_driver.ts";
export { checkIfname } from "./ifname.ts";
export { isWireguardGo } from "./net_linux.ts";

/** The MTU mycel gives the interface (1500 minus WireGuard's 80 bytes over IPv6). */
export const MESH_MTU = 1420;

/** What `meshUp` needs. */
export interface UpOptions {
  /** Interface name, e.g. mycel0 (on macOS the name of its utun). */
  ifname: string;
  /** UDP listen port. */
  port: number;
  /** WireGuard private key (32 bytes). */
  privateKey: Uint8Array;
  /** Addresses, routes and peers. */
  plan: InterfacePlan;
  /** Command runner. */
  runner: Runner;
  /** Whose commands to run (default: this machine's). */
  platform?: Platform;
  /** Create the interface when missing (default true); false: only update one that exists. */
  create?: boolean;
  /** Endpoints each peer (by device id) was reached at before. */
  history?: (deviceId: string) => EndpointHistory | undefined;
  /** Move dead tunnels on to their next endpoint candidate (default true). */
  rotate?: boolean;
  /** Unix time in seconds (default: now). */
  nowS?: number;
}

/** What `meshUp` did. */
export interface UpResult {
  /** False when `create` was false and the interface did not exist: nothing was done. */
  present: boolean;
  /** The kernel's name of the interface (utunN on macOS). */
  real: string;
  /** Kernel module or userspace. */
  backend: Backend;
  /** True when the interface was created by this call. */
  created: boolean;
  /** PID of the wireguard-go process this call started. */
  pid?: number;
  /** Each peer's endpoint and why it was chosen. */
  endpoints: { deviceId: string; endpoint?: string; reason: EndpointReason }[];
  /** Live tunnels: the endpoint WireGuard reached each peer at, and when (ms). */
  handshakes: { deviceId: string; endpoint: string; at: number }[];
}

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

async function dumpOf(runner: Runner, real: string): Promise<WgDump | undefined> {
  try {
    const r = await runner.run("wg", ["show", real, "dump"]);
    return r.code === 0 ? parseWgDump(r.stdout) : undefined;
  } catch {
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
    ? await findInterface(runner, ifname, platform).catch(() => undefined)
    : ifname;
  return real === undefined ? undefined : await dumpOf(runner, real);
}

function portInUse(port: number): MycelError {
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
async function wg(runner: Runner, args: string[], port: number, stdin?: string): Promise<void> {
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

function choosePeers(o: UpOptions, dump: WgDump | undefined, result: UpResult): WgPeer[] {
  const nowS = o.nowS ?? Math.floor(Date.now() / 1000);
  return o.plan.peers.map((p) => {
    const live = dump?.peers.find((d) => d.publicKey === p.publicKey);
    const c = chooseEndpoint(p.candidates, o.history?.(p.deviceId), live, nowS, o.rotate ?? true);
    result.endpoints.push({ deviceId: p.deviceId, endpoint: c.endpoint, reason: c.reason });
    if (c.good) result.handshakes.push({ deviceId: p.deviceId, ...c.good });
    const peer: WgPeer = {
      publicKey: p.publicKey,
      allowedIps: p.allowedIps,
      persistentKeepalive: p.persistentKeepalive,
    };
    return c.endpoint === undefined ? peer : { ...peer, endpoint: c.endpoint };
  });
}

/** Make `present` exactly `wanted`, recording what was added so a failure can take it back. */
async function converge(
  present: string[],
  wanted: string[],
  add: (c: string) => Promise<void>,
  del: (c: string) => Promise<void>,
  added: string[],
): Promise<void> {
  for (const c of present) if (!wanted.includes(c)) await del(c);
  for (const c of wanted) {
    if (present.includes(c)) continue;
    await add(c);
    added.push(c);
  }
}

async function apply(
  d: NetDriver,
  o: UpOptions,
  real: string,
  peers: WgPeer[],
  undo: (() => Promise<void>)[],
) {
  const config = renderWgConfig({ listenPort: o.port, peers }, o.privateKey);
  await wg(d.runner, ["syncconf", real, "/dev/stdin"], o.port, config);
  const addrs: string[] = [];
  undo.push(async () => {
    for (const a of addrs) await d.delAddress(real, a).catch(() => {});
  });
  await converge(
    await d.addresses(real),
    o.plan.addresses,
    (a) => d.addAddress(real, a),
    (a) => d.delAddress(real, a),
    addrs,
  );
  await d.setUp(real, MESH_MTU);
  const routes: string[] = [];
  undo.push(async () => {
    for (const r of routes) await d.delRoute(real, r).catch(() => {});
  });
  // Longest prefix first, the order wg-quick adds routes in.
  const wanted = [...o.plan.routes4, ...(d.hostRoutes6 ? o.plan.routes6 : [])]
    .sort((x, y) => Number(y.split("/")[1]) - Number(x.split("/")[1]));
  await converge(
    await d.routes(real),
    wanted,
    (r) => d.addRoute(real, r),
    (r) => d.delRoute(real, r),
    routes,
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
async function refreshEndpoints(runner: Runner, real: string, peers: WgPeer[]): Promise<void> {
  const args = peers.filter((p) => p.endpoint !== undefined)
    .flatMap((p) => ["peer", p.publicKey, "endpoint", p.endpoint!]);
  if (args.length > 0) await wg(runner, ["set", real, ...args], 0);
}

/** Bring the interface up, or bring an existing one in line with the plan. */
export async function meshUp(o: UpOptions): Promise<UpResult> {
  checkIfname(o.ifname);
  const d = await netDriver(o.runner, o.platform ?? currentPlatform());
  const existing = await d.find(o.ifname);
  const result: UpResult = {
    present: existing !== undefined,
    real: existing ?? o.ifname,
    backend: "wireguard-go",
    created: false,
    endpoints: [],
    handshakes: [],
  };
  if (existing === undefined && o.create === false) return result;
  if (existing !== undefined) {
    result.backend = await d.backend(existing);
    const dump = await dumpOf(o.runner, existing);
    const peers = choosePeers(o, dump, result);
    const undo: (() => Promise<void>)[] = [];
    // A new port is tried on its own first: if it is taken, nothing else changes.
    const oldPort = dump?.interface.listenPort;
    if (oldPort !== undefined && oldPort !== o.port) {
      const back = () =>
        wg(o.runner, ["set", existing, "listen-port", String(oldPort)], oldPort).catch(() => {});
      // wireguard-go lets go of its old socket before it tries the new port.
      await wg(o.runner, ["set", existing, "listen-port", String(o.port)], o.port).catch(
        async (e) => {
          await back();
          throw e;
        },
      );
      undo.push(back);
    }
    try {
      await apply(d, o, existing, peers, undo);
      if (result.backend === "wireguard-go") await refreshEndpoints(o.runner, existing, peers);
    } catch (e) {
      for (const step of undo.reverse()) await step();
      throw e;
    }
    return result;
  }
  const made = await d.create(o.ifname);
  Object.assign(result, {
    present: true,
    real: made.real,
    backend: made.backend,
    created: true,
    pid: made.pid,
  });
  try {
    await apply(d, o, made.real, choosePeers(o, undefined, result), []);
  } catch (e) {
    const left = await d.destroy(o.ifname, made.real, made.pid);
    if (left.length > 0) {
      throw new MycelError("half_made", "undo a failed mesh up", left.join("; "), {
        value: o.ifname,
        hint: `It failed because: ${
          (e as Error).message
        }. Run \`sudo mycel mesh down --interface ${o.ifname}\`.`,
      });
    }
    throw e;
  }
  return result;
}

/** Remove the interface and stop the wireguard-go process `pid` if it is still ours. */
export async function meshDown(
  runner: Runner,
  ifname: string,
  pid?: number,
  platform: Platform = currentPlatform(),
): Promise<{ removed: boolean }> {
  checkIfname(ifname);
  const d = await netDriver(runner, platform);
  const real = await d.find(ifname);
  const left = await d.destroy(ifname, real ?? "", pid);
  if (left.length > 0) {
    throw new MycelError("command_failed", "take the mesh down", left.join("; "), {
      value: ifname,
    });
  }
  return { removed: real !== undefined };
}
