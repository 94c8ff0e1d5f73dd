/**
 * @module self_endpoints
 * Which sync endpoints a device advertises about itself (pure). A device
 * keeps its own record current: the IPv4 addresses it has now (not
 * loopback, link-local, the mesh's own 100.64.0.0/10 or container bridges)
 * at its sync port, plus what the user pinned. Which recorded endpoints are
 * "ours to manage" is remembered locally (`autoEndpoints`): every endpoint
 * whose host was once one of this machine's addresses. So a laptop's old
 * DHCP address disappears from its record when it moves, while a pinned
 * DNS name or a port-forwarded public address (never a local address)
 * stays. IPv6 is not detected (temporary privacy addresses would rewrite
 * the record every few hours); pin IPv6 endpoints with `mesh set-endpoint`.
 *
 * The WireGuard port is in the record from pairing on (the one `mesh up`
 * will use, default 51871), so both sides of a fresh pairing can bring
 * their tunnels up at once.
 */

import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import { MAX_ENDPOINTS } from "../log/device_record.ts";
import { isInCgnat } from "./addresses.ts";

/** The sync port advertised when nothing says otherwise (service install's default). */
export const DEFAULT_SYNC_PORT = 7850;

/** One address of this machine, as `Deno.networkInterfaces()` lists it. */
export interface LocalAddress {
  /** Interface name. */
  name: string;
  /** "IPv4" or "IPv6". */
  family: string;
  /** The address. */
  address: string;
}

/** Interfaces whose addresses no other device can reach (containers, VMs, tunnels). */
const PRIVATE_LINKS =
  /^(lo|docker|br-|veth|virbr|vmnet|vboxnet|cni|flannel|podman|mycel|wg|tun|utun|tailscale|zt)/;

/** This machine's IPv4 addresses worth advertising, in interface order, without duplicates. */
export function advertisable(addresses: readonly LocalAddress[]): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    if (a.family !== "IPv4" || PRIVATE_LINKS.test(a.name)) continue;
    if (/^(127\.|169\.254\.|0\.)/.test(a.address) || isInCgnat(a.address)) continue;
    if (!out.includes(a.address)) out.push(a.address);
  }
  return out;
}

/** The sync port: the first recorded endpoint's, else `fallback`. */
export function syncPortOf(recorded: readonly string[], fallback = DEFAULT_SYNC_PORT): number {
  for (const e of recorded) {
    try {
      return parseEndpoint(e).port;
    } catch {
      // a record holds only parsed endpoints; skip anything else
    }
  }
  return fallback;
}

/**
 * The port this device accepts sync on, as its record says: that of the
 * first endpoint it manages (its own addresses, which follow the listener),
 * else the first recorded. Before, it was always the first recorded, which
 * is a pinned one when there is one (pinned come first): a DNS name pinned
 * at 7850 made every round move the device's own addresses back to 7850
 * right after `sync serve --listen` had moved them to the port it listens on.
 */
export function ownSyncPort(recorded: readonly string[], managed: readonly string[]): number {
  return syncPortOf(recorded.filter((e) => managed.includes(e)), syncPortOf(recorded));
}

/** A listener starting (`sync serve --listen`, a service's socket): where it accepts connections. */
export interface Listener {
  /** The address it is bound to (`0.0.0.0` or `::`: every address). */
  host: string;
  /** Every address of this machine, of any family (interfaces; loopback is implied). */
  local: readonly string[];
}

/**
 * True when a listener bound to `listenHost` accepts connections at `host`:
 * the same address, or with a wildcard one any address of this machine
 * (`::` takes IPv4 too, as Linux binds it dual-stack by default).
 */
export function listensAt(listenHost: string, host: string, local: readonly string[]): boolean {
  const h = host.toLowerCase();
  if (h === listenHost.toLowerCase()) return true;
  const ours = /^127\./.test(h) || h === "::1" || local.some((a) => a.toLowerCase() === h);
  if (listenHost === "0.0.0.0") return ours && !h.includes(":");
  return listenHost === "::" && ours;
}

/** What {@link wantedEndpoints} decided. */
export interface EndpointPlan {
  /** The endpoint list the record should have. */
  endpoints: string[];
  /** The managed endpoints to remember locally (`autoEndpoints`). */
  auto: string[];
  /** True when `endpoints` differs from the recorded list. */
  changed: boolean;
  /** Pinned endpoints moved to a listener's port (`before` → `after`). */
  followed: { before: string; after: string }[];
  /** Pinned endpoints at another port than `port` (maybe a port forward: only the user knows). */
  elsewhere: string[];
  /** Every pinned endpoint, as `endpoints` holds them. */
  pinned: string[];
}

/**
 * The endpoints to advertise: the pinned ones (recorded, and never one of
 * this machine's addresses), then every current address at `port`.
 * `managed`: endpoints remembered as ours to manage.
 *
 * With a `listener` (listening on `port`), a pinned endpoint at an address
 * it accepts on (`init --listen 127.0.0.1:P`, then `serve --listen
 * 127.0.0.1:Q`) moves to `port`: the listener is there at that port now, so
 * the new endpoint reaches the device wherever the old one did, and the old
 * port no longer answers. A pinned name or an address not this machine's is
 * left alone, and listed in `elsewhere` when its port differs: it may be a
 * router's port forward to this port, which only the user knows.
 */
export function wantedEndpoints(
  recorded: readonly string[],
  managed: readonly string[],
  current: readonly string[],
  port: number,
  listener?: Listener,
): EndpointPlan {
  const hostOf = (e: string) => parseEndpoint(e).host;
  const mine = new Set(current);
  const ours = new Set(managed);
  for (const e of recorded) {
    const h = hostOf(e);
    if (mine.has(h) || h === "0.0.0.0") ours.add(e);
  }
  const followed: EndpointPlan["followed"] = [];
  const pinned = recorded.filter((e) => !ours.has(e)).map((e) => {
    const at = parseEndpoint(e);
    if (!listener || at.port === port || !listensAt(listener.host, at.host, listener.local)) {
      return e;
    }
    const after = formatEndpoint({ host: at.host, port });
    followed.push({ before: e, after });
    return after;
  });
  const elsewhere = pinned.filter((e) => parseEndpoint(e).port !== port);
  const auto = current.map((h) => formatEndpoint({ host: h, port }));
  const endpoints = [...new Set([...pinned, ...auto])].slice(0, MAX_ENDPOINTS);
  const changed = endpoints.length !== recorded.length ||
    endpoints.some((e, i) => e !== recorded[i]);
  // Remember what we manage now plus what we managed before (so an old address never comes back as pinned).
  const remembered = [...new Set([...auto, ...ours])].slice(0, 64);
  return { endpoints, auto: remembered, changed, followed, elsewhere, pinned };
}

/** Changes to a device's own record that keep it current, and the managed list to remember. */
export interface SelfUpdate {
  /** Fields to change (empty: nothing to write). */
  fields: { endpoints?: string[]; wgPort?: number };
  /** The managed endpoints to remember. */
  auto: string[];
  /** Pinned endpoints moved to the listener's port (see {@link wantedEndpoints}). */
  followed: EndpointPlan["followed"];
  /** Pinned endpoints at another port than the sync port (see {@link wantedEndpoints}). */
  elsewhere: string[];
  /** Every pinned endpoint. */
  pinned: string[];
}

/**
 * What `record` (this device's own) should change: its endpoints (see
 * {@link wantedEndpoints}; at `syncPort` when a listener says where it
 * listens, else the port its own addresses are advertised at:
 * {@link ownSyncPort}) and, while it has none, the
 * WireGuard port `mesh up` will use (`wgPort`: the recorded interface's,
 * else the default).
 */
export function selfUpdate(
  record: { endpoints: readonly string[]; wgPort: number },
  managed: readonly string[],
  current: readonly string[],
  wgPort: number,
  syncPort = ownSyncPort(record.endpoints, managed),
  listener?: Listener,
): SelfUpdate {
  const plan = wantedEndpoints(record.endpoints, managed, current, syncPort, listener);
  const fields: SelfUpdate["fields"] = {};
  if (plan.changed) fields.endpoints = plan.endpoints;
  if (record.wgPort === 0 && wgPort > 0) fields.wgPort = wgPort;
  const { followed, elsewhere, pinned } = plan;
  return { fields, auto: plan.auto, followed, elsewhere, pinned };
}
