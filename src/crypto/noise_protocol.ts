/**
 * @module noise_protocol
 * Protocol names (spec §8): `Noise_<pattern>_<dh>_<cipher>_<hash>` resolved to
 * the pattern and the three functions. Only Curve25519 is offered for DH; the
 * cipher and hash choices are whatever `noise_ciphers.ts` and `noise_hash.ts` carry.
 */

import { MycelError } from "../errors.ts";
import type { NoiseCipher } from "./noise_aead.ts";
import { noiseCipher } from "./noise_ciphers.ts";
import { type NoiseHash, noiseHash } from "./noise_hash.ts";
import { type NoisePattern, noisePattern } from "./noise_patterns.ts";

/**
 * Known peers: one round trip, mutual authentication (sync connections).
 * ChaChaPoly: 2.6× WebCrypto's AES-GCM here, and the file phase moves
 * gigabytes through it (noise_ciphers.ts).
 */
export const NOISE_IK = "Noise_IK_25519_ChaChaPoly_SHA256";

/**
 * What sync connections ran before {@link NOISE_IK}: a responder still
 * accepts it, so a device not updated yet still reaches updated ones.
 */
export const NOISE_IK_AESGCM = "Noise_IK_25519_AESGCM_SHA256";

/** Pairing: static keys are exchanged, both sides prove the CPace-derived PSK. */
export const NOISE_XXPSK3 = "Noise_XXpsk3_25519_AESGCM_SHA256";

/** A protocol name taken apart. */
export interface NoiseProtocol {
  /** The full name, e.g. {@link NOISE_IK}; it is hashed into the transcript. */
  readonly name: string;
  /** The handshake pattern, modifiers applied. */
  readonly pattern: NoisePattern;
  /** The cipher function. */
  readonly cipher: NoiseCipher;
  /** The hash function. */
  readonly hash: NoiseHash;
}

/**
 * Resolve a protocol name, throwing a `noise_protocol` error that names the
 * part that is not supported.
 */
export function parseNoiseProtocol(name: string): NoiseProtocol {
  const parts = name.split("_");
  if (parts.length !== 5 || parts[0] !== "Noise") {
    throw protocolError(name, "it is not of the form Noise_<pattern>_<dh>_<cipher>_<hash>");
  }
  const [, patternName, dhName, cipherName, hashName] = parts;
  const pattern = noisePattern(patternName);
  if (!pattern) throw protocolError(name, `the handshake pattern ${patternName} is not supported`);
  if (dhName !== "25519") throw protocolError(name, `the DH function ${dhName} is not supported`);
  const cipher = noiseCipher(cipherName);
  if (!cipher) throw protocolError(name, `the cipher ${cipherName} is not supported`);
  const hash = noiseHash(hashName);
  if (!hash) throw protocolError(name, `the hash ${hashName} is not supported`);
  return { name, pattern, cipher, hash };
}

function protocolError(name: string, reason: string): MycelError {
  return new MycelError("noise_protocol", "start Noise handshake", reason, {
    value: name,
    hint: "Use 25519 with AESGCM or ChaChaPoly and SHA256, SHA512, BLAKE2s or BLAKE2b.",
  });
}
