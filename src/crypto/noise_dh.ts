/**
 * @module noise_dh
 * The Noise DH function for Curve25519 (spec §4.1, §12.1): key generation,
 * public-key validation and DH with low-order rejection. A handshake's DH,
 * its fresh ephemeral keys and the check that a given key pair matches run
 * on WebCrypto's X25519 (native: about 1 ms for a whole handshake, where
 * @noble/curves' ladder in JavaScript, x25519.ts, took 5 ms for its first
 * scalar multiplication in a cold process and 1–2 ms for each after it);
 * the synchronous helpers (keys made once, at `init` or by tests) keep the
 * ladder. Both give the bytes RFC 7748 defines (the Noise vectors check it).
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

/** DER prefix of a PKCS #8 X25519 private key; the 32 key bytes follow. */
const PKCS8_X25519 = Uint8Array.from([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
]);
const X25519 = { name: "X25519" } as const;

function privateCryptoKey(privateKey: Uint8Array, extractable = false): Promise<CryptoKey> {
  const der = new Uint8Array(PKCS8_X25519.length + NOISE_DH_LENGTH);
  der.set(PKCS8_X25519);
  der.set(privateKey, PKCS8_X25519.length);
  return crypto.subtle.importKey("pkcs8", der, X25519, extractable, ["deriveBits"]).finally(() =>
    der.fill(0)
  );
}

/** A fresh random X25519 key pair made by WebCrypto (a handshake's ephemeral). */
export async function freshNoiseKeyPair(): Promise<NoiseKeyPair> {
  const pair = await crypto.subtle.generateKey(X25519, true, ["deriveBits"]) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const privateKey = der.slice(der.length - NOISE_DH_LENGTH);
  der.fill(0);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey, privateKey };
}

/**
 * Throw unless `pair` is a usable key pair whose public key belongs to its
 * private key (WebCrypto derives the public key).
 */
export async function checkNoiseKeyPair(pair: NoiseKeyPair, label: string): Promise<void> {
  assertNoisePublicKey(pair.publicKey, `${label} public key`);
  if (pair.privateKey.length !== NOISE_DH_LENGTH) {
    throw badKeyError(`${label} private key`, "it is not 32 bytes");
  }
  const jwk = await crypto.subtle.exportKey("jwk", await privateCryptoKey(pair.privateKey, true));
  const derived = Uint8Array.fromBase64(jwk.x ?? "", { alphabet: "base64url" });
  if (!bytesEqual(derived, pair.publicKey)) {
    throw badKeyError(label, "the public key does not belong to the private key");
  }
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
 * DH(key_pair, public_key): the X25519 shared secret (WebCrypto). Rejects
 * low-order peer keys and an all-zero output with a `noise_bad_key` error.
 */
export async function noiseDh(
  privateKey: Uint8Array,
  publicKey: Uint8Array,
  label: string,
): Promise<Uint8Array> {
  assertNoisePublicKey(publicKey, label);
  let shared: Uint8Array;
  try {
    const peer = await crypto.subtle.importKey("raw", publicKey.slice(), X25519, false, []);
    const own = await privateCryptoKey(privateKey);
    shared = new Uint8Array(await crypto.subtle.deriveBits({ ...X25519, public: peer }, own, 256));
  } catch (cause) {
    // WebCrypto refuses an all-zero result itself; its text has no key bytes.
    throw badKeyError(label, "it gives no usable shared secret", undefined, cause);
  }
  if (bytesEqual(shared, ZERO)) throw badKeyError(label, "it gives an all-zero shared secret");
  return shared;
}

function badKeyError(label: string, reason: string, value?: string, cause?: unknown): MycelError {
  return new MycelError("noise_bad_key", `use ${label}`, reason, { value, cause });
}
