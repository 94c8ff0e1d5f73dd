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
 * wg_run.ts). The private key goes to `wg` on stdin only.
 */

import { isMycelError, MycelError, withHint } from "../errors.ts";
import { type Backend, type NetDriver, netDriver } from "./net_driver.ts";
import type { InterfacePlan } from "./plan.ts";
import type { EndpointHint, HintAttempt } from "./hint_attempts.ts";
import { chooseEndpoint, type EndpointHistory, type EndpointReason } from "./roaming.ts";
import { currentPlatform, type Platform, type Runner } from "./system.ts";
import { renderWgConfig, type WgPeer } from "./wg_config.ts";
import type { WgDump } from "./wg_dump.ts";
import { checkIfname } from "./ifname.ts";
import { dumpOf, refreshEndpoints, wg } from "./wg_run.ts";

export type { Backend } from "./net_driver.ts";
export { findInterface, linkExists, readWgDump } from "./wg_run.ts";
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
  /** Where another member lately saw each peer's tunnel (NAT traversal). */
  hint?: (deviceId: string) => EndpointHint | undefined;
  /** Each peer's last hint attempt (hint_attempts.ts: how often hints may steer it). */
  attempt?: (deviceId: string) => HintAttempt | undefined;
  /** When (ms) a connect of this device's own through each peer's tunnel last timed out. */
  silentAt?: (deviceId: string) => number | undefined;
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
  /** Every planned peer's hint attempt to keep from now on (none: forget it). */
  attempts: { deviceId: string; attempt?: HintAttempt }[];
}

function choosePeers(o: UpOptions, dump: WgDump | undefined, result: UpResult): WgPeer[] {
  const nowS = o.nowS ?? Math.floor(Date.now() / 1000);
  return o.plan.peers.map((p) => {
    const live = dump?.peers.find((d) => d.publicKey === p.publicKey);
    const c = chooseEndpoint(
      p.candidates,
      o.history?.(p.deviceId),
      live,
      nowS,
      o.rotate ?? true,
      o.hint?.(p.deviceId),
      o.attempt?.(p.deviceId),
      o.silentAt?.(p.deviceId),
    );
    result.endpoints.push({ deviceId: p.deviceId, endpoint: c.endpoint, reason: c.reason });
    result.attempts.push({ deviceId: p.deviceId, ...(c.attempt ? { attempt: c.attempt } : {}) });
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
    attempts: [],
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
    const left = await d.destroy(o.ifname, made.real, made.pid).catch((stop) => {
      // Ctrl-C: wireguard-go is stopped, but `ip` no longer runs to remove a
      // kernel interface. The first interruption says what was under way.
      throw withHint(
        isMycelError(e, "sync_interrupted") ? e : stop,
        `If \`ip link show ${o.ifname}\` still lists it, run \`sudo mycel mesh down --interface ${o.ifname}\`.`,
      );
    });
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
