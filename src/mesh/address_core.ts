/**
 * @module address_core
 * The hash-free half of mesh IPv6 derivation (see addresses.ts and
 * docs/mesh_addresses.md): what gets hashed, and how digests become an
 * address; addresses.ts hashes with SHA-256.
 */

import { concatBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";

/** Input hashed for a mesh's ULA prefix. */
export function ulaInput(meshId: string): Uint8Array {
  return concatBytes(utf8("mycel-ula"), utf8(meshId));
}

/** Input hashed for attempt `n` of a device's interface id. */
export function iidInput(publicKey: Uint8Array, n: number): Uint8Array {
  if (publicKey.length !== 32) {
    throw new MycelError("bad_key", "derive mesh address", "a public key has 32 bytes", {
      value: publicKey.length,
    });
  }
  return concatBytes(utf8("mycel-iid"), publicKey, Uint8Array.of(n));
}

// RFC 5453 reserves the all-zero id (subnet-router anycast) and
// fdff:ffff:ffff:ff80-ffff; rehash with a counter instead of ever using them.
/** True when an interface id is reserved (RFC 5453) and must be rehashed. */
export function reservedIid(iid: Uint8Array): boolean {
  if (iid.every((x) => x === 0)) return true;
  const top = [0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
  return top.every((x, i) => iid[i] === x) && iid[7] >= 0x80;
}

/** The 6-byte prefix from the ULA digest: `fd` then its first 40 bits. */
export function prefixFromDigest(digest: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(0xfd), digest.subarray(0, 5));
}

/** Prefix (6 bytes), subnet 0, interface id (8 bytes) → 16-byte address. */
export function composeIpv6(prefix: Uint8Array, iid: Uint8Array): Uint8Array {
  const b = new Uint8Array(16);
  b.set(prefix, 0); // bytes 6-7 stay 0: subnet id 0
  b.set(iid, 8);
  return b;
}
