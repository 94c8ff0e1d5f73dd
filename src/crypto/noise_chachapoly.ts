/**
 * @module noise_chachapoly
 * ChaChaPoly (spec §12.3) through @noble/ciphers for the first bytes of a
 * process and `node:crypto`'s chacha20-poly1305 once it moves more
 * ({@link ChaChaPolyKey}). Both compute the same cipher, so which one runs
 * is the process's state (loaded or not), not the session's. Apart from
 * AESGCM because the changeover and its byte count are its own.
 */

import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { freeNow, wipe } from "../bytes.ts";
import type { NoiseAeadKey } from "./noise_aead.ts";

/** ChaChaPoly nonce: 32 zero bits then the counter as 64-bit little-endian (spec §12.3). */
function chachaNonce(n: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, n, true);
  return nonce;
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
