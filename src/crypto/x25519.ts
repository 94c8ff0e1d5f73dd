/**
 * @module x25519
 * X25519 (RFC 7748) for Noise, built from @noble/curves' Montgomery ladder
 * alone. The package's ready-made `x25519` lives in its ed25519 module,
 * whose load builds every Edwards-curve object (Ed25519 and its variants,
 * ristretto255, FROST, hash-to-curve): ~7 ms that every sync process — both
 * sides, a socket-activated server each time — would pay at start for
 * nothing. The ladder gives the same bytes (the Noise test vectors check it).
 */

import { montgomery } from "@noble/curves/abstract/montgomery.js";
import { pow } from "@noble/curves/abstract/modular.js";

/** The field prime 2^255 − 19. */
const P = 2n ** 255n - 19n;

/** X25519: `scalarMult`, `getPublicKey` (the ladder from u = 9), `utils.randomSecretKey`. */
export const x25519 = montgomery({
  P,
  type: "x25519",
  // decodeScalar25519 (RFC 7748 §5): clear the low three bits, clear bit 255, set bit 254.
  adjustScalarBytes(bytes: Uint8Array): Uint8Array {
    bytes[0] &= 248;
    bytes[31] &= 127;
    bytes[31] |= 64;
    return bytes;
  },
  // One inversion per ladder, by Fermat: x^(p−2).
  powPminus2: (x: bigint) => pow(x, P - 2n, P),
});
