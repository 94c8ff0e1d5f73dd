/**
 * @module noise_dh
 * The Noise DH function for Curve25519 (spec §4.1, §12.1) over @noble/curves
 * (its Montgomery ladder, x25519.ts):
 * key generation, public-key validation and DH with low-order rejection.
 * A low-order public key would make the DH output predictable (all zeros), so
 * such keys are refused as soon as they arrive, and the output is checked again
 * as a second line of defence.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { x25519 } from "./x25519.ts";

/** DHLEN for Curve25519: public keys and DH outputs are 32 bytes. */
export const NOISE_DH_LENGTH = 32;

/** An X25519 key pair as used by Noise. */
export interface NoiseKeyPair {
  /** 32-byte X25519 public key (u-coordinate, little-endian). */
  readonly publicKey: Uint8Array;
  /** 32-byte X25519 private key. Never logged, never put in error text. */
  readonly privateKey: Uint8Array;
}

/** Make a fresh random X25519 key pair (WebCrypto randomness via noble). */
export function generateNoiseKeyPair(): NoiseKeyPair {
  const privateKey = x25519.utils.randomSecretKey();
  return { publicKey: noisePublicKey(privateKey), privateKey };
}

/** The X25519 public key of `privateKey` (32 bytes). */
export function noisePublicKey(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== NOISE_DH_LENGTH) throw badKeyError("private key", "it is not 32 bytes");
  // X25519(k, 9) by the ladder (~1 ms), as RFC 7748 defines it: noble's
  // ed25519 module would get the same bytes from Edwards tables that take
  // ~15 ms to build on first use, and a sync process computes two or three.
  return x25519.getPublicKey(privateKey);
}

const P = (1n << 255n) - 19n;

// u-coordinates whose order divides the cofactor 8, on the curve or its twist.
// X25519 with a clamped scalar maps each of them to zero (RFC 7748 §6.1).
const LOW_ORDER_U = new Set<bigint>([
  0n,
  1n,
  P - 1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
]);

function decodeU(publicKey: Uint8Array): bigint {
  // RFC 7748: mask the top bit, then read little-endian and reduce mod p, so
  // non-canonical encodings of a low-order point are caught too.
  let u = 0n;
  for (let i = NOISE_DH_LENGTH - 1; i >= 0; i--) {
    u = (u << 8n) | BigInt(i === NOISE_DH_LENGTH - 1 ? publicKey[i] & 0x7f : publicKey[i]);
  }
  return u % P;
}

/**
 * Throw unless `publicKey` is a usable X25519 public key: 32 bytes and not a
 * low-order point. `label` names the key in the error ("remote static key").
 */
export function assertNoisePublicKey(publicKey: Uint8Array, label: string): void {
  if (publicKey.length !== NOISE_DH_LENGTH) {
    throw badKeyError(label, "it is not 32 bytes", `${publicKey.length} bytes`);
  }
  if (LOW_ORDER_U.has(decodeU(publicKey))) {
    throw badKeyError(label, "it is a low-order point, which would give a predictable secret");
  }
}

/** Throw unless `pair.publicKey` belongs to `pair.privateKey`. */
export function assertNoiseKeyPair(pair: NoiseKeyPair, label: string): void {
  assertNoisePublicKey(pair.publicKey, `${label} public key`);
  if (!bytesEqual(noisePublicKey(pair.privateKey), pair.publicKey)) {
    throw badKeyError(label, "the public key does not belong to the private key");
  }
}

const ZERO = new Uint8Array(NOISE_DH_LENGTH);

/**
 * DH(key_pair, public_key): the X25519 shared secret. Rejects low-order peer
 * keys and an all-zero output with a `noise_bad_key` error.
 */
export function noiseDh(privateKey: Uint8Array, publicKey: Uint8Array, label: string): Uint8Array {
  assertNoisePublicKey(publicKey, label);
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(privateKey, publicKey);
  } catch (cause) {
    // noble refuses low-order input itself; keep its text (it has no key bytes) as the cause.
    throw badKeyError(label, "it gives no usable shared secret", undefined, cause);
  }
  if (bytesEqual(shared, ZERO)) throw badKeyError(label, "it gives an all-zero shared secret");
  return shared;
}

function badKeyError(label: string, reason: string, value?: string, cause?: unknown): MycelError {
  return new MycelError("noise_bad_key", `use ${label}`, reason, { value, cause });
}
