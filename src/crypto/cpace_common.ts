/**
 * @module cpace_common
 * The group-independent pieces of CPace (draft-irtf-cfrg-cpace): the
 * length-prefixed encodings the draft hashes (`prepend_len`, `lv_cat`,
 * `o_cat`, `generator_string`) and the {@link CpaceGroup} interface that each
 * cipher suite file implements. Pure; no I/O.
 */

import { compareBytes, concatBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";

/** Returns `n` random bytes; injected so tests can be deterministic. */
export type RandomBytes = (n: number) => Uint8Array;

/** Default randomness: the platform CSPRNG (WebCrypto, no `Deno.*`). */
export const systemRandomBytes: RandomBytes = (n: number): Uint8Array =>
  crypto.getRandomValues(new Uint8Array(n));

/**
 * One CPace cipher suite: a group, its hash, and the draft's four group
 * operations. Elements and scalars are passed around in their wire encoding
 * so that the protocol code never touches curve arithmetic.
 */
export interface CpaceGroup {
  /** Suite name as the draft spells it, e.g. `CPACE-X25519-SHA512`. */
  readonly name: string;
  /** Domain separation string (`DSI`) of the suite. */
  readonly dsi: Uint8Array;
  /** The suite's hash `H` with its full output length. */
  readonly hash: (data: Uint8Array) => Uint8Array;
  /** Length of an encoded group element (the CPace message) in bytes. */
  readonly elementBytes: number;
  /** `calculate_generator(PRS, CI, sid)`: the password-derived generator. */
  calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array;
  /** `sample_scalar()`: a fresh secret scalar. */
  sampleScalar(randomBytes: RandomBytes): Uint8Array;
  /** `scalar_mult(y, g)`: the public share `Y = y·g`. */
  scalarMult(scalar: Uint8Array, element: Uint8Array): Uint8Array;
  /**
   * `scalar_mult_vfy(y, X)`: the shared point `K = y·X`; throws
   * `cpace_invalid_point` for an undecodable or low-order `X` (the draft's
   * abort on the neutral element).
   */
  scalarMultVfy(scalar: Uint8Array, element: Uint8Array): Uint8Array;
}

/** The unsigned integer `bytes` hold, least significant byte first (the draft's scalar and field encodings). */
export function fromLe(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** `prepend_len(data)`: the LEB128 length of `data`, then `data`. */
export function prependLen(data: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = data.length;
  do {
    // Seven bits per byte, high bit set while more bytes follow.
    const low = n & 0x7f;
    n = Math.floor(n / 128);
    len.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  return concatBytes(Uint8Array.from(len), data);
}

/** `lv_cat(a, b, ...)`: each part length-prefixed, so the result parses uniquely. */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen));
}

/**
 * `o_cat(a, b)`: "oc" then the lexicographically larger part first. The
 * symmetric mode uses it so both parties build the same transcript without
 * knowing who spoke first.
 */
export function oCat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const [first, second] = compareBytes(a, b) > 0 ? [a, b] : [b, a];
  return concatBytes(utf8("oc"), first, second);
}

/**
 * `generator_string(DSI, PRS, CI, sid, s_in_bytes)`. The zero padding fills
 * the first hash block with DSI and PRS so that the password-dependent part
 * of the hash state is computed once per block, as the draft intends.
 */
export function generatorString(
  dsi: Uint8Array,
  prs: Uint8Array,
  ci: Uint8Array,
  sid: Uint8Array,
  sInBytes: number,
): Uint8Array {
  const zpad = Math.max(0, sInBytes - 1 - prependLen(prs).length - prependLen(dsi).length);
  return lvCat(dsi, prs, new Uint8Array(zpad), ci, sid);
}

/** The error every group raises for a peer element it must refuse. */
export function invalidPointError(group: string, cause?: unknown): MycelError {
  return new MycelError(
    "cpace_invalid_point",
    "pair devices",
    "the other device sent an invalid key share",
    {
      value: group,
      hint: "Start pairing again; if it keeps failing, someone may be interfering.",
      cause,
    },
  );
}

/** The error for a scalar of the wrong length or value (a programming error). */
export function invalidScalarError(group: string): MycelError {
  return new MycelError("cpace_invalid_scalar", "pair devices", "the secret scalar is invalid", {
    value: group,
  });
}
