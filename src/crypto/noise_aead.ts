/**
 * @module noise_aead
 * Noise cipher functions (spec §4.2, §12.3, §12.4) behind one small interface:
 * AESGCM through WebCrypto (the CryptoKey is imported once per key and reused
 * for every message) and ChaChaPoly through @noble/ciphers for the first
 * bytes of a process and `node:crypto`'s chacha20-poly1305 once it moves
 * more ({@link ChaChaPolyKey}). Measured here on 64 KiB frames: native
 * ChaChaPoly 720 MB/s, WebCrypto's AES-GCM 245–276 MB/s (it does not reach
 * AES-NI speed in this runtime), @noble/ciphers' ChaChaPoly ~130 MB/s; so
 * sync sessions run ChaChaPoly (docs/benchmarks.md). A keyed instance knows
 * nothing about counters: the caller passes the nonce.
 */

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { wipe } from "../bytes.ts";

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

/** ChaChaPoly nonce: 32 zero bits then the counter as 64-bit little-endian (spec §12.3). */
function chachaNonce(n: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, true);
  return nonce;
}

class AesGcmKey implements NoiseAeadKey {
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

type NodeCrypto = typeof import("node:crypto");
/** Loading `node:crypto`, once something asked for it (see {@link ChaChaPolyKey}). */
let nodeCrypto: Promise<void> | undefined;
/** `node:crypto` once loaded: the native ChaChaPoly is used from then on. */
let native: NodeCrypto | undefined;
/** Bytes sealed or opened by ChaChaPoly in this process so far. */
let chachaBytes = 0;
/**
 * From this many bytes a process starts loading `node:crypto`. Loading it
 * costs about 20 ms (Deno's Node layer: streams, errors, async hooks),
 * which @noble/ciphers' ChaChaPoly spends on about 2.5 MB; an idle sync
 * round moves a few kilobytes, a folder transfer gigabytes.
 */
export const NATIVE_FROM = 256 * 1024;
// Not a literal: deno would load a literal `import()` ahead of every run.
const NODE_CRYPTO = "node:crypto";

function loadNative(): void {
  // Should it fail to load, ChaChaPoly stays in JavaScript.
  nodeCrypto ??= (import(NODE_CRYPTO) as Promise<NodeCrypto>).then((m) => {
    native = m;
  }, () => {});
}

/** Which ChaChaPoly this process runs now (for tests and diagnostics). */
export function chachaBackend(): "javascript" | "native" {
  return native === undefined ? "javascript" : "native";
}

const TAG = 16;

/**
 * Free a buffer `node:crypto` just made for us, once its bytes are copied
 * out: it is memory outside V8's heap that would otherwise wait for a full
 * collection (see secure_channel.ts `release`). Only a buffer it fills alone.
 */
function freeNow(bytes: Uint8Array): void {
  const b = bytes.buffer;
  if (
    b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength &&
    b.byteLength > 0
  ) b.transfer(0);
}

/**
 * ChaChaPoly, one key: through @noble/ciphers (JavaScript, about 130 MB/s)
 * until the process has moved {@link NATIVE_FROM} bytes, then through
 * `node:crypto`'s chacha20-poly1305 (native, about 720 MB/s) once that is
 * loaded. Both compute the same cipher, so a session may change over
 * between two messages. The raw key stays on the JS heap until the native
 * KeyObject is made (then it is wiped): for a short session, its life.
 */
export class ChaChaPolyKey implements NoiseAeadKey {
  #raw: Uint8Array | undefined;
  #key: import("node:crypto").KeyObject | undefined;
  readonly #nativeFrom: number;

  /** `nativeFrom`: bytes after which to go native (tests pass 0 or Infinity). */
  constructor(key: Uint8Array, nativeFrom = NATIVE_FROM) {
    this.#raw = new Uint8Array(key);
    this.#nativeFrom = nativeFrom;
  }

  /**
   * The native KeyObject if `node:crypto` is loaded (made now, and our copy
   * of the key wiped), else undefined: then the caller seals or opens with
   * the raw key in the same synchronous step, so no other message can wipe
   * it in between. Counts `bytes`, and starts loading `node:crypto` once
   * enough went by.
   */
  #keyNow(bytes: number): import("node:crypto").KeyObject | undefined {
    chachaBytes += bytes;
    if (this.#key === undefined && native !== undefined) {
      this.#key = native.createSecretKey(this.#raw!);
      wipe(this.#raw!);
      this.#raw = undefined;
    }
    if (this.#key === undefined && chachaBytes >= this.#nativeFrom) loadNative();
    return this.#key;
  }

  /** With `nativeFrom` 0, the native cipher from the first byte. */
  async #nativeFirst(): Promise<void> {
    if (this.#nativeFrom > 0 || native !== undefined) return;
    loadNative();
    await nodeCrypto;
  }

  async encrypt(nonce: bigint, ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const out = new Uint8Array(plaintext.length + TAG);
    await this.encryptInto(nonce, ad, plaintext, out);
    return out;
  }

  async encryptInto(
    nonce: bigint,
    ad: Uint8Array,
    plaintext: Uint8Array,
    out: Uint8Array,
  ): Promise<void> {
    if (out.length !== plaintext.length + TAG) {
      throw new RangeError(`encryptInto needs ${plaintext.length + TAG} bytes, got ${out.length}`);
    }
    await this.#nativeFirst();
    const key = this.#keyNow(plaintext.length);
    if (key === undefined) {
      out.set(chacha20poly1305(this.#raw!, chachaNonce(nonce), ad).encrypt(plaintext));
      return;
    }
    const c = native!.createCipheriv("chacha20-poly1305", key, chachaNonce(nonce), {
      authTagLength: TAG,
    });
    c.setAAD(ad, { plaintextLength: plaintext.length });
    const body = c.update(plaintext);
    out.set(body);
    freeNow(body);
    const rest = c.final(); // empty for a stream cipher, but the API may hold bytes back
    out.set(rest, body.length);
    out.set(c.getAuthTag(), plaintext.length);
  }

  async decrypt(
    nonce: bigint,
    ad: Uint8Array,
    ciphertext: Uint8Array,
  ): Promise<Uint8Array | undefined> {
    if (ciphertext.length < TAG) return undefined;
    await this.#nativeFirst();
    const key = this.#keyNow(ciphertext.length);
    if (key === undefined) {
      try {
        return chacha20poly1305(this.#raw!, chachaNonce(nonce), ad).decrypt(ciphertext);
      } catch {
        return undefined; // the tag does not match
      }
    }
    const end = ciphertext.length - TAG;
    try {
      const d = native!.createDecipheriv("chacha20-poly1305", key, chachaNonce(nonce), {
        authTagLength: TAG,
      });
      d.setAAD(ad, { plaintextLength: end });
      d.setAuthTag(ciphertext.subarray(end));
      const body = d.update(ciphertext.subarray(0, end));
      const rest = d.final(); // throws when the tag does not match
      if (rest.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length);
      const out = new Uint8Array(end);
      out.set(body);
      out.set(rest, body.length);
      return out;
    } catch {
      return undefined;
    }
  }
}

const CIPHERS: Record<NoiseCipherName, NoiseCipher> = {
  AESGCM: { name: "AESGCM", createKey: (key) => new AesGcmKey(key) },
  ChaChaPoly: { name: "ChaChaPoly", createKey: (key) => new ChaChaPolyKey(key) },
};

/** The cipher function called `name` in a protocol name, or undefined. */
export function noiseCipher(name: string): NoiseCipher | undefined {
  return Object.hasOwn(CIPHERS, name) ? CIPHERS[name as NoiseCipherName] : undefined;
}
