/**
 * @module udp_targets
 * Where LAN discovery packets go: one IPv4 directed broadcast per interface
 * with a broadcast domain (not loopback, not a /31 or /32 such as a
 * WireGuard tunnel's) and the IPv6 all-nodes group on each interface with a
 * link-local address (WireGuard interfaces have none). Reading the
 * interface list is the only I/O; the computation is pure and tested.
 */

import { formatIpv4, parseIpv4 } from "../ip.ts";
import { DISCOVERY_GROUP6 } from "../protocol/discovery.ts";

/** One destination of a discovery packet. */
export interface Target {
  /** Address family. */
  family: 4 | 6;
  /** Address to send to (IPv6 with `%interface`). */
  host: string;
  /** The interface, for IPv6 (answers from link-local addresses get it as zone). */
  zone?: string;
  /** Port, when not the discovery port (tests). */
  port?: number;
}

/** What {@link discoveryTargets} reads of each interface address. */
export interface InterfaceAddress {
  /** Interface name. */
  name: string;
  /** "IPv4" or "IPv6". */
  family: string;
  /** The address. */
  address: string;
  /** Its netmask. */
  netmask: string;
}

function broadcast(address: string, netmask: string): string | undefined {
  try {
    const a = parseIpv4(address);
    const m = parseIpv4(netmask);
    if (a >>> 24 === 127 || (~m >>> 0) < 3) return undefined; // loopback, /31, /32
    return formatIpv4((a | ~m) >>> 0);
  } catch {
    return undefined;
  }
}

/** The targets for `interfaces` (default: this machine's). */
export function discoveryTargets(
  interfaces: readonly InterfaceAddress[] = Deno.networkInterfaces(),
): Target[] {
  const out: Target[] = [];
  const seen = new Set<string>();
  for (const i of interfaces) {
    let t: Target | undefined;
    if (i.family === "IPv4") {
      const b = broadcast(i.address, i.netmask);
      if (b) t = { family: 4, host: b };
    } else if (
      i.family === "IPv6" && /^fe[89ab][0-9a-f]:/i.test(i.address) && /^[\w.-]{1,15}$/.test(i.name)
    ) {
      t = { family: 6, host: `${DISCOVERY_GROUP6}%${i.name}`, zone: i.name };
    }
    if (t && !seen.has(t.host)) {
      seen.add(t.host);
      out.push(t);
    }
  }
  return out;
}
