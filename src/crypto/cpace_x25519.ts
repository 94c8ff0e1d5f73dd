/**
 * @module cpace_x25519
 * The CPACE-X25519-SHA512 suite of draft-irtf-cfrg-cpace: the generator is
 * the Elligator2 image (RFC 9380 `map_to_curve_elligator2_curve25519`) of a
 * SHA-512 hash of the generator string, and scalar multiplication is plain
 * X25519. X25519 clamps scalars to multiples of the cofactor, so no explicit
 * cofactor clearing is needed and a low-order peer share yields the all-zero
 * `K` the draft tells us to abort on.
 */

import { _map_to_curve_elligator2_curve25519, x25519 } from "@noble/curves/ed25519.js";
import { invert, mod } from "@noble/curves/abstract/modular.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { utf8 } from "../bytes.ts";
import {
  type CpaceGroup,
  fromLe,
  generatorString,
  invalidPointError,
  invalidScalarError,
  type RandomBytes,
} from "./cpace_common.ts";

const NAME = "CPACE-X25519-SHA512";
const P = 2n ** 255n - 19n;
/** SHA-512 block size: the draft's `s_in_bytes` for the generator string. */
const SHA512_BLOCK_BYTES = 128;

function toLe32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * X25519 of `scalar` and `u`, with the draft's abort on the neutral element.
 *
 * Two refusals, both stricter than bare RFC 7748:
 * - Non-canonical encodings (bit 255 set, or a value >= p). X25519 never
 *   outputs one, so no honest peer sends one; refusing them also covers the
 *   draft's "invalid Y" vectors u6 and u8..ub, which are low-order only when
 *   bit 255 is not masked and would otherwise yield a (useless) non-zero K.
 * - Low-order points: noble refuses them before running the ladder, which is
 *   the draft's "K is the neutral element: abort" without the timing leak.
 */
function x25519Checked(scalar: Uint8Array, u: Uint8Array): Uint8Array {
  if (scalar.length !== 32) throw invalidScalarError(NAME);
  if (u.length !== 32 || fromLe(u) >= P) throw invalidPointError(NAME);
  let k: Uint8Array;
  try {
    k = x25519.scalarMult(scalar, u);
  } catch (cause) {
    throw invalidPointError(NAME, cause);
  }
  // Belt and braces: the draft's check is on the output, so repeat it here.
  if (k.every((b) => b === 0)) throw invalidPointError(NAME);
  return k;
}

/** CPACE-X25519-SHA512, the suite mycel pairs with. */
export const CPACE_X25519: CpaceGroup = Object.freeze({
  name: NAME,
  dsi: utf8("CPace255"),
  hash: (data: Uint8Array) => sha512(data),
  elementBytes: 32,

  calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
    const genStr = generatorString(this.dsi, prs, ci, sid, SHA512_BLOCK_BYTES);
    // The draft keeps the first 32 bytes and decodes them like an X25519
    // u-coordinate (top bit masked, reduced mod p) before mapping.
    const hashed = sha512(genStr).slice(0, 32);
    hashed[31] &= 0x7f;
    const { xMn, xMd } = _map_to_curve_elligator2_curve25519(mod(fromLe(hashed), P));
    hashed.fill(0);
    return toLe32(mod(xMn * invert(xMd, P), P));
  },

  sampleScalar(randomBytes: RandomBytes): Uint8Array {
    // Any 32 bytes will do: X25519 clamps them itself.
    const y = randomBytes(32);
    if (y.length !== 32) throw invalidScalarError(NAME);
    return y;
  },

  scalarMult(scalar: Uint8Array, element: Uint8Array): Uint8Array {
    return x25519Checked(scalar, element);
  },

  scalarMultVfy(scalar: Uint8Array, element: Uint8Array): Uint8Array {
    return x25519Checked(scalar, element);
  },
});
