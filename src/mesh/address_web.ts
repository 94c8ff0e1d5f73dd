/**
 * @module address_web
 * Mesh IPv6 addresses derived with WebCrypto's SHA-256 (asynchronous), for
 * `status`, which should not load a hashing library just to show addresses.
 * Same derivation as addresses.ts (shared through address_core.ts).
 */

import { plain } from "../bytes.ts";
import { formatIpv6 } from "../ip.ts";
import { composeIpv6, iidInput, prefixFromDigest, reservedIid, ulaInput } from "./address_core.ts";

async function sha256(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", plain(b)));
}

/**
 * An address deriver for mesh `meshId`: the mesh prefix is hashed once, then
 * each call derives one device's address (RFC 5952 text) from its key.
 */
export async function meshIpv6Web(
  meshId: string,
): Promise<(publicKey: Uint8Array) => Promise<string>> {
  const prefix = prefixFromDigest(await sha256(ulaInput(meshId)));
  return async (publicKey) => {
    for (let n = 0;; n++) {
      const iid = (await sha256(iidInput(publicKey, n))).slice(0, 8);
      if (!reservedIid(iid)) return formatIpv6(composeIpv6(prefix, iid));
    }
  };
}
