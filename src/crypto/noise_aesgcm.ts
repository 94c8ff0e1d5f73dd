/**
 * @module noise_aesgcm
 * AESGCM (spec §12.4) through WebCrypto: the CryptoKey is imported once per
 * key, on first use, and reused for every message; the raw key is wiped as
 * soon as WebCrypto holds its copy. Kept for pairing and for peers on the
 * older sync suite; sessions run ChaChaPoly (noise_ciphers.ts says why).
 */

import { freeNow, wipe } from "../bytes.ts";
import type { NoiseAeadKey } from "./noise_aead.ts";

// WebCrypto wants ArrayBuffer-backed views; copy only when given something else.
function buffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes) as Uint8Array<ArrayBuffer>;
}

/** AESGCM nonce: 32 zero bits then the counter as 64-bit big-endian (spec §12.4). */
function aesNonce(n: bigint): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, n, false);
  return iv;
}

/** AESGCM, one key. */
export class AesGcmKey implements NoiseAeadKey {
  #raw: Uint8Array<ArrayBuffer> | undefined;
  #key: Promise<CryptoKey> | undefined;

  constructor(key: Uint8Array) {
    // Import lazily: a handshake derives keys it never uses (e.g. `es` right
    // before `ss`), and importKey is an async round trip.
    this.#raw = new Uint8Array(key);
  }

  #cryptoKey(): Promise<CryptoKey> {
    if (this.#key === undefined) {
      const raw = this.#raw!;
      this.#key = crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, [
        "encrypt",
        "decrypt",
      ]);
      // importKey copies the bytes synchronously, so ours can go now.
      wipe(raw);
      this.#raw = undefined;
    }
    return this.#key;
  }

  async encrypt(nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const params = { name: "AES-GCM", iv: aesNonce(nonce), additionalData: buffer(ad) };
    const key = await this.#cryptoKey();
    return new Uint8Array(await crypto.subtle.encrypt(params, key, buffer(plaintext)));
  }

  async encryptInto(
    nonce: bigint,
    ad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
  ): Promise<void> {
    const sealed = await this.encrypt(nonce, ad, plaintext);
    out.set(sealed);
    freeNow(sealed); // WebCrypto's result is ours alone, copied now (a peer on the older suite)
  }

  async decrypt(
    nonce: bigint,
    ad: Uint8Array,
    ciphertext: Uint8Array,
  ): Promise<Uint8Array | undefined> {
    const params = { name: "AES-GCM", iv: aesNonce(nonce), additionalData: buffer(ad) };
    const key = await this.#cryptoKey();
    try {
      return new Uint8Array(await crypto.subtle.decrypt(params, key, buffer(ciphertext)));
    } catch {
      // WebCrypto signals a bad tag with an OperationError and nothing else.
      return undefined;
    }
  }
}
