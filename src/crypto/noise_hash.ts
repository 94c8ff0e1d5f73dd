/**
 * @module noise_hash
 * Noise hash functions (spec §4.3) and the HMAC-based HKDF the symmetric state
 * uses. The hashes are @noble/hashes (synchronous and small): a handshake only
 * hashes a few hundred bytes, so WebCrypto's async digest would cost more in
 * promise hops than it saves.
 */

import { blake2b, blake2s } from "@noble/hashes/blake2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { wipe } from "../bytes.ts";

/** Names of the hash functions a protocol name may use. */
export type NoiseHashName = "SHA256" | "SHA512" | "BLAKE2s" | "BLAKE2b";

/** A Noise hash function: HASH and HMAC-HASH with its HASHLEN. */
export interface NoiseHash {
  /** The name used in protocol names, e.g. `SHA256`. */
  readonly name: NoiseHashName;
  /** HASHLEN: 32 or 64 bytes. */
  readonly hashLen: 32 | 64;
  /** HASH(a || b): the two parts are fed in turn, never copied together. */
  hash(a: Uint8Array, b?: Uint8Array): Uint8Array;
  /** HMAC-HASH(key, data) as in RFC 2104. */
  hmac(key: Uint8Array, data: Uint8Array): Uint8Array;
}

type NobleHash = typeof sha256 | typeof sha512 | typeof blake2s | typeof blake2b;

function makeHash(name: NoiseHashName, fn: NobleHash, hashLen: 32 | 64): NoiseHash {
  return {
    name,
    hashLen,
    hash(a, b) {
      const h = fn.create();
      h.update(a);
      if (b !== undefined) h.update(b);
      return h.digest();
    },
    hmac(key, data) {
      return hmac(fn, key, data);
    },
  };
}

const HASHES: Record<NoiseHashName, NoiseHash> = {
  SHA256: makeHash("SHA256", sha256, 32),
  SHA512: makeHash("SHA512", sha512, 64),
  BLAKE2s: makeHash("BLAKE2s", blake2s, 32),
  BLAKE2b: makeHash("BLAKE2b", blake2b, 64),
};

/** The hash function called `name` in a protocol name, or undefined. */
export function noiseHash(name: string): NoiseHash | undefined {
  return Object.hasOwn(HASHES, name) ? HASHES[name as NoiseHashName] : undefined;
}

/**
 * HKDF(chaining_key, input_key_material, num_outputs) from spec §4.3: two or
 * three HASHLEN outputs. The intermediate temp_key is wiped before returning.
 */
export function noiseHkdf(
  hash: NoiseHash,
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  outputs: 2 | 3,
): Uint8Array[] {
  const tempKey = hash.hmac(chainingKey, inputKeyMaterial);
  const result: Uint8Array[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= outputs; i++) {
    // output_i = HMAC(temp_key, output_{i-1} || byte(i))
    const input = new Uint8Array(previous.length + 1);
    input.set(previous);
    input[previous.length] = i;
    previous = hash.hmac(tempKey, input);
    wipe(input);
    result.push(previous);
  }
  wipe(tempKey);
  return result;
}
