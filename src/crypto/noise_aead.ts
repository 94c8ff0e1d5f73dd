/**
 * @module noise_aead
 * The Noise cipher function interface (spec §4.2): a cipher names itself and
 * keys AEAD instances that seal and open with the explicit 64-bit nonce the
 * caller passes. A keyed instance knows nothing about counters; the cipher
 * state (noise_cipher_state.ts) does. The implementations are
 * noise_aesgcm.ts and noise_chachapoly.ts, offered by noise_ciphers.ts.
 */

/** Names of the cipher functions a protocol name may use. */
export type NoiseCipherName = "AESGCM" | "ChaChaPoly";

/** One AEAD key, ready to seal and open with explicit 64-bit nonces. */
export interface NoiseAeadKey {
  /** ENCRYPT(k, n, ad, plaintext): ciphertext with the 16-byte tag appended. */
  encrypt(nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array>;
  /**
   * ENCRYPT into `out`, exactly `plaintext.length` + 16 bytes: the same
   * ciphertext and tag, written where the caller sends them from (a frame
   * in its wire buffer), instead of into a fresh buffer to be copied there.
   */
  encryptInto(nonce: bigint, ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array): Promise<void>;
  /** DECRYPT(k, n, ad, ciphertext): the plaintext, or undefined if authentication fails. */
  decrypt(nonce: bigint, ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array | undefined>;
}

/** A Noise cipher function: a factory of keyed AEAD instances. */
export interface NoiseCipher {
  /** The name used in protocol names. */
  readonly name: NoiseCipherName;
  /** Key a new AEAD with the 32-byte `key`; the bytes are copied. */
  createKey(key: Uint8Array): NoiseAeadKey;
}
