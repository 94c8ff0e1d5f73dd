/**
 * @module plan
 * What this device's WireGuard interface should look like, computed from the
 * replicated state (pure): its addresses, and one peer per admitted,
 * non-revoked device with a WireGuard key — allowed IPs are that device's
 * mesh IPv4 /32 and IPv6 /128, the endpoint candidates its advertised hosts
 * with its WireGuard port (roaming.ts picks one). Revoked devices are simply
 * absent, so applying the plan with `wg syncconf` removes them.
 *
 * Routes: only what the mesh uses. The own IPv4 is a /32 and each peer's
 * IPv4 gets its own /32 route, so the rest of 100.64.0.0/10 (Tailscale's
 * peers, a carrier's CGNAT) stays where it was. The IPv6 /48 stays on the
 * address: it is derived from this mesh's id, so no other network uses it.
 */

import { fromBase64 } from "../bytes.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { parseEndpoint } from "../log/endpoint.ts";
import type { MemberInfo, StateView } from "../log/state.ts";
import { deviceIpv6, meshUlaCidr, resolveIpv4Collisions } from "./addresses.ts";
import type { WgPeer } from "./wg_config.ts";

/** Default UDP port of the mesh interface. */
export const DEFAULT_WG_PORT = 51871;
/** Default interface name. */
export const DEFAULT_INTERFACE = "mycel0";
/** Keepalive so peers behind NAT stay reachable. */
export const KEEPALIVE_SECONDS = 25;

/** A device's mesh addresses. */
export interface MeshAddresses {
  /** IPv4 in 100.64.0.0/10 ("" when none assigned). */
  ipv4: string;
  /** IPv6 in the mesh's ULA /48. */
  ipv6: string;
}

/** Mesh addresses of `device` in mesh `meshId`. */
export function addressesOf(meshId: string, device: DeviceRecord): MeshAddresses {
  return { ipv4: device.ipv4, ipv6: deviceIpv6(meshId, device.key.bytes) };
}

/** True when the device syncs (has a real Noise key); WireGuard-only devices do not. */
export function syncsWithMycel(device: DeviceRecord): boolean {
  return fromBase64(device.noiseKey).some((b) => b !== 0);
}

/**
 * True for a WireGuard-only device (a phone with the WireGuard app): no Noise
 * key — but not for one whose keys are disputed (membership.ts `contested`),
 * which has none only until it announces its own.
 */
export function wireguardOnly(m: MemberInfo): boolean {
  return !syncsWithMycel(m.record) && m.admitted.contested !== true;
}

/**
 * True while a device's keys are disputed: admissions of it by other devices
 * disagree on them and it has not announced its own (membership.ts
 * `contested`), so it has none here and is in no plan.
 */
export function keysDisputed(m: MemberInfo): boolean {
  return m.admitted.contested === true && m.record.noiseKey === "";
}

/** A planned peer: its WireGuard entry plus where it might be reached. */
export interface PlannedPeer extends WgPeer {
  /** The device it is. */
  deviceId: string;
  /** Its recorded hosts at its WireGuard port (`endpoint` is the first). */
  candidates: string[];
}

/** The WireGuard endpoints a device's record names: each host at its WireGuard port. */
export function wgCandidates(device: DeviceRecord): string[] {
  if (device.wgPort <= 0) return [];
  const hosts = device.endpoints.map((e) => parseEndpoint(e).host);
  return [
    ...new Set(
      hosts.map((h) => (h.includes(":") ? `[${h}]:${device.wgPort}` : `${h}:${device.wgPort}`)),
    ),
  ];
}

/** The WireGuard peer entry for `device`. */
export function peerOf(meshId: string, device: DeviceRecord): PlannedPeer {
  const a = addressesOf(meshId, device);
  const allowedIps = [...(a.ipv4 ? [`${a.ipv4}/32`] : []), `${a.ipv6}/128`];
  const candidates = wgCandidates(device);
  return {
    deviceId: device.id,
    publicKey: device.wgKey,
    allowedIps,
    endpoint: candidates[0],
    candidates,
    persistentKeepalive: KEEPALIVE_SECONDS,
  };
}

/** The interface plan for device `self`. */
export interface InterfacePlan {
  /** Own addresses with prefix lengths: the IPv4 /32 and the IPv6 in the mesh /48. */
  addresses: string[];
  /** The ULA /48 (on the interface through its IPv6 address). */
  ula: string;
  /** Peers. */
  peers: PlannedPeer[];
  /** One /32 per peer with an IPv4: the only IPv4 routes the mesh takes. */
  routes4: string[];
  /** One /128 per peer, for platforms whose /48 address does not route the prefix. */
  routes6: string[];
}

/**
 * Devices whose mesh IPv4 collides with an earlier-admitted device's (two
 * devices admitted concurrently by different members can draw the same
 * address). Deterministic on every replica; each loser re-allocates its own
 * address at its next `mesh up`, and until then no peer routes the address
 * to it.
 */
export function ipv4Losers(state: StateView): Set<string> {
  const claims = state.members().filter((m) => m.removed === undefined && m.record.ipv4 !== "")
    .map((m) => ({ deviceId: m.record.id, ipv4: m.record.ipv4, admittedAt: m.admitted.wall }));
  return new Set(resolveIpv4Collisions(claims).move);
}

/**
 * Compute the plan for `selfId` (display id) from `state`; `selfFields` are changes to
 * its own record not committed yet (`mesh up` commits them only once the
 * interface works).
 */
export function planInterface(
  state: StateView,
  meshId: string,
  selfId: string,
  selfFields: Partial<DeviceRecord> = {},
): InterfacePlan {
  const recorded = state.members().find((m) => m.record.id === selfId)?.record;
  if (recorded === undefined) throw new Error("this device has no record");
  const self = { ...recorded, ...selfFields };
  const own = addressesOf(meshId, self);
  const losers = ipv4Losers(state);
  const peers = state.members()
    .filter((m) => m.removed === undefined && m.record.id !== selfId)
    .map((m) => m.record)
    .filter((d) => d.wgKey !== "")
    .map((d) => peerOf(meshId, losers.has(d.id) ? { ...d, ipv4: "" } : d));
  const ula = meshUlaCidr(meshId);
  const hostRoutes = (
    v6: boolean,
  ) => [...new Set(peers.flatMap((p) => p.allowedIps.filter((ip) => ip.includes(":") === v6)))];
  return {
    addresses: [...(own.ipv4 ? [`${own.ipv4}/32`] : []), `${own.ipv6}/48`],
    ula,
    peers,
    routes4: hostRoutes(false),
    routes6: hostRoutes(true),
  };
}
