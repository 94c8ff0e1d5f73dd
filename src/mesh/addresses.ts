/**
 * @module addresses
 * Mesh addressing (see docs/mesh_addresses.md). IPv6: a ULA /48 derived from
 * the mesh id plus a 64-bit interface id derived from the device's public
 * key, so every device computes every other device's address with no
 * coordination. IPv4: one address from 100.64.0.0/10 per device, picked
 * deterministically at pairing and checked against the addresses already
 * taken; if two devices paired concurrently still collide,
 * {@link resolveIpv4Collisions} says which one keeps it. Pure.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { formatIpv4, formatIpv6, parseIpv4 } from "../ip.ts";
import { composeIpv6, iidInput, prefixFromDigest, reservedIid, ulaInput } from "./address_core.ts";

export { formatIpv4, parseIpv4 } from "../ip.ts";

const CGNAT_BASE = 0x64400000; // 100.64.0.0
const CGNAT_SIZE = 1 << 22; // a /10
// Hashed candidates tried before falling back to a linear scan; with a few
// devices in 4 million addresses the first candidate is almost always free.
const HASHED_ATTEMPTS = 64;

// Length-prefix every variable field so ("ab","c") and ("a","bc") differ.
function field(s: string): Uint8Array {
  const b = utf8(s);
  return concatBytes(Uint8Array.of(b.length >>> 24, b.length >>> 16, b.length >>> 8, b.length), b);
}

/** The mesh's 48-bit ULA prefix: `fd` then 40 bits of SHA-256("mycel-ula" || meshId). */
export function meshUlaPrefix(meshId: string): Uint8Array {
  return prefixFromDigest(sha256(ulaInput(meshId)));
}

/** The mesh's ULA prefix as text, e.g. `fd12:3456:789a::/48`. */
export function meshUlaCidr(meshId: string): string {
  const b = new Uint8Array(16);
  b.set(meshUlaPrefix(meshId));
  return `${formatIpv6(b)}/48`;
}

/** A device's 64-bit interface id: SHA-256("mycel-iid" || publicKey || n), first 8 bytes. */
export function interfaceId(publicKey: Uint8Array): Uint8Array {
  for (let n = 0;; n++) {
    const iid = sha256(iidInput(publicKey, n)).slice(0, 8);
    if (!reservedIid(iid)) return iid;
  }
}

/** A device's 16-byte mesh IPv6 address: ULA prefix, subnet 0, interface id. */
export function deviceIpv6Bytes(meshId: string, publicKey: Uint8Array): Uint8Array {
  return composeIpv6(meshUlaPrefix(meshId), interfaceId(publicKey));
}

/** A device's mesh IPv6 address in RFC 5952 form, e.g. `fd12:3456:789a::1f2e:…`. */
export function deviceIpv6(meshId: string, publicKey: Uint8Array): string {
  return formatIpv6(deviceIpv6Bytes(meshId, publicKey));
}

/** True when `address` (text or 32-bit number) is inside 100.64.0.0/10. */
export function isInCgnat(address: string | number): boolean {
  const n = typeof address === "string" ? parseIpv4(address) : address;
  return n >= CGNAT_BASE && n < CGNAT_BASE + CGNAT_SIZE;
}

// .0 and .255 of every /24 are skipped: some tools still read them as
// network/broadcast addresses even though a /10 has only one of each.
function usable(n: number): boolean {
  const last = n & 0xff;
  return last !== 0 && last !== 255;
}

/**
 * Pick a device's IPv4 address in 100.64.0.0/10. Candidate k is the low 22
 * bits of SHA-256("mycel-ipv4", meshId, deviceId, k) added to 100.64.0.0;
 * the first usable candidate not in `taken` wins. After 64 tries it scans
 * upward from the last candidate, so it only fails when the range is full.
 */
export function allocateIpv4(meshId: string, deviceId: string, taken: Set<string>): string {
  const prefix = concatBytes(utf8("mycel-ipv4"), field(meshId), field(deviceId));
  let candidate = CGNAT_BASE;
  for (let k = 0; k < HASHED_ATTEMPTS; k++) {
    const h = sha256(concatBytes(prefix, Uint8Array.of(k >>> 24, k >>> 16, k >>> 8, k)));
    const offset = ((h[0] << 16) | (h[1] << 8) | h[2]) & (CGNAT_SIZE - 1);
    candidate = CGNAT_BASE + offset;
    if (usable(candidate) && !taken.has(formatIpv4(candidate))) return formatIpv4(candidate);
  }
  for (let i = 1; i <= CGNAT_SIZE; i++) {
    const n = CGNAT_BASE + ((candidate - CGNAT_BASE + i) % CGNAT_SIZE);
    if (usable(n) && !taken.has(formatIpv4(n))) return formatIpv4(n);
  }
  throw new MycelError("mesh_full", "allocate mesh address", "100.64.0.0/10 is full", {
    value: taken.size,
  });
}

/** A device's claim on a mesh IPv4 address, as its device record holds it. */
export interface Ipv4Claim {
  /** The claiming device. */
  deviceId: string;
  /** The address it claims. */
  ipv4: string;
  /** When the device was admitted (any number that orders admissions, e.g. ms). */
  admittedAt: number;
}

/** Order claims: earlier admission first, then the lower device id (code units). */
export function compareIpv4Claims(a: Ipv4Claim, b: Ipv4Claim): number {
  if (a.admittedAt !== b.admittedAt) return a.admittedAt < b.admittedAt ? -1 : 1;
  return a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0;
}

/** What {@link resolveIpv4Collisions} decided. */
export interface Ipv4Resolution {
  /** Contested address → the device id that keeps it. */
  keep: Map<string, string>;
  /** Device ids that lost their address and must allocate a new one (sorted). */
  move: string[];
}

/**
 * For every address claimed by more than one device, the device that keeps
 * it (earliest admission, then lowest device id); every other claimant must
 * take a new address with {@link allocateIpv4}, passing all kept addresses as
 * taken. Same answer on every replica, whatever the order of `claims`.
 */
export function resolveIpv4Collisions(claims: readonly Ipv4Claim[]): Ipv4Resolution {
  const byAddress = new Map<string, Ipv4Claim[]>();
  for (const c of claims) byAddress.set(c.ipv4, [...byAddress.get(c.ipv4) ?? [], c]);
  const keep = new Map<string, string>();
  const move = new Set<string>();
  for (const [ip, list] of byAddress) {
    const ids = new Set(list.map((c) => c.deviceId));
    if (ids.size < 2) continue; // one device listed twice is not a collision
    const keeper = [...list].sort(compareIpv4Claims)[0].deviceId;
    keep.set(ip, keeper);
    for (const id of ids) if (id !== keeper) move.add(id);
  }
  return { keep, move: [...move].sort() };
}
