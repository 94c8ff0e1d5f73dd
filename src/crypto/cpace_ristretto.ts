/**
 * @module cpace_ristretto
 * The CPACE-RISTR255-SHA512 suite of draft-irtf-cfrg-cpace (the vectors call
 * the group "Coffee25519"). mycel pairs with X25519; this prime-order suite
 * is kept because it costs little with @noble/curves and lets the tests
 * cross-check the group-independent protocol code against a second set of
 * vectors.
 */

import { ristretto255, ristretto255_hasher } from "@noble/curves/ed25519.js";
import { mod } from "@noble/curves/abstract/modular.js";
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

const NAME = "CPACE-RISTR255-SHA512";
const Point = ristretto255.Point;
const ORDER = Point.Fn.ORDER;

/** Decode a scalar; zero is refused because it would publish the identity. */
function decodeScalar(scalar: Uint8Array): bigint {
  if (scalar.length !== 32) throw invalidScalarError(NAME);
  const y = mod(fromLe(scalar), ORDER);
  if (y === 0n) throw invalidScalarError(NAME);
  return y;
}

/** Decode and multiply; undecodable input or an identity result is refused. */
function multiplyChecked(scalar: Uint8Array, element: Uint8Array): Uint8Array {
  const y = decodeScalar(scalar);
  let point;
  try {
    point = Point.fromBytes(element);
  } catch (cause) {
    throw invalidPointError(NAME, cause);
  }
  const k = point.multiply(y);
  if (k.is0()) throw invalidPointError(NAME);
  return k.toBytes();
}

/** CPACE-RISTR255-SHA512 (ristretto255 with SHA-512). */
export const CPACE_RISTRETTO255: CpaceGroup = Object.freeze({
  name: NAME,
  dsi: utf8("CPaceRistretto255"),
  hash: (data: Uint8Array) => sha512(data),
  elementBytes: 32,

  calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
    // 128 = SHA-512 block size; the full 64-byte hash feeds RFC 9496's
    // element derivation (two Elligator maps added together).
    const genStr = generatorString(this.dsi, prs, ci, sid, 128);
    return ristretto255_hasher.deriveToCurve!(sha512(genStr)).toBytes();
  },

  sampleScalar(randomBytes: RandomBytes): Uint8Array {
    // 64 bytes reduced mod the order: the bias is below 2^-250.
    for (;;) {
      const wide = randomBytes(64);
      if (wide.length !== 64) throw invalidScalarError(NAME);
      const y = mod(fromLe(wide), ORDER);
      wide.fill(0);
      if (y === 0n) continue;
      const out = new Uint8Array(32);
      let n = y;
      for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
      return out;
    }
  },

  scalarMult(scalar: Uint8Array, element: Uint8Array): Uint8Array {
    return multiplyChecked(scalar, element);
  },

  scalarMultVfy(scalar: Uint8Array, element: Uint8Array): Uint8Array {
    return multiplyChecked(scalar, element);
  },
});
