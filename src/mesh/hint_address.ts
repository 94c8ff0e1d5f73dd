/**
 * @module hint_address
 * Which addresses a NAT traversal hint (src/sync/nat_hints.ts: another
 * member says where its WireGuard sees a peer) may point a tunnel at. A hint
 * is only a member's word, and a stolen member could otherwise aim the
 * tunnel between two other devices at any address, making this device send
 * WireGuard handshakes there. So a hint is refused when its address can be
 * no NAT's public mapping of the peer: unspecified, loopback, link-local,
 * multicast, broadcast or reserved addresses; the mesh's own ranges
 * (100.64.0.0/10, which devices never advertise, and this mesh's IPv6 ULA
 * /48: WireGuard would send its packets into its own tunnel); and private
 * addresses (RFC 1918, other ULAs) unless the peer itself is known there
 * (its record names that host, or a session or handshake reached it there).
 * Pure.
 */

import { parseEndpoint } from "../log/endpoint.ts";
import { parseIpv4, parseIpv6 } from "../ip.ts";
import { isInCgnat, meshUlaPrefix } from "./addresses.ts";

/** What a hint's address is checked against. */
export interface HintContext {
  /** The mesh id (its ULA /48 is refused). */
  meshId: string;
  /** Hosts the peer is known at (its record, where sessions and handshakes reached it). */
  knownHosts: ReadonlySet<string>;
}

function inV4(n: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n & mask) >>> 0) === ((parseIpv4(base) & mask) >>> 0);
}

function v4Class(host: string): "never" | "private" | "public" {
  const n = parseIpv4(host);
  if (
    inV4(n, "0.0.0.0", 8) || inV4(n, "127.0.0.0", 8) || inV4(n, "169.254.0.0", 16) ||
    inV4(n, "224.0.0.0", 4) || inV4(n, "240.0.0.0", 4) || isInCgnat(n)
  ) return "never"; // 240/4 holds 255.255.255.255 too
  if (inV4(n, "10.0.0.0", 8) || inV4(n, "172.16.0.0", 12) || inV4(n, "192.168.0.0", 16)) {
    return "private";
  }
  return "public";
}

function v6Class(host: string, meshId: string): "never" | "private" | "public" {
  const b = parseIpv6(host);
  const zeroUpTo = (n: number) => b.subarray(0, n).every((x) => x === 0);
  if (zeroUpTo(15) && b[15] <= 1) return "never"; // :: and ::1
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) {
    return v4Class(`${b[12]}.${b[13]}.${b[14]}.${b[15]}`); // ::ffff:a.b.c.d
  }
  if (b[0] === 0xff || (b[0] === 0xfe && (b[1] & 0xc0) === 0x80)) return "never";
  if ((b[0] & 0xfe) === 0xfc) {
    const ula = meshUlaPrefix(meshId);
    return ula.every((x, i) => b[i] === x) ? "never" : "private";
  }
  return "public";
}

/**
 * Why a hint pointing at `endpoint` is refused, or undefined when it may be
 * tried. `endpoint` is a canonical IP-literal `host:port` (the decoder
 * refuses anything else).
 */
export function hintRefusal(endpoint: string, ctx: HintContext): string | undefined {
  let host: string;
  try {
    host = parseEndpoint(endpoint).host;
  } catch {
    return "not an endpoint";
  }
  let kind: "never" | "private" | "public";
  try {
    kind = host.includes(":") ? v6Class(host, ctx.meshId) : v4Class(host);
  } catch {
    return "not an IP address";
  }
  if (kind === "never") return "an address no NAT maps a peer to";
  if (kind === "private" && !ctx.knownHosts.has(host)) {
    return "a private address the peer is not known at";
  }
  return undefined;
}
