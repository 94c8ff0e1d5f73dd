/**
 * @module noise_symmetric_state
 * The SymmetricState of spec §5.2: chaining key, handshake hash and the
 * handshake's cipher key with its nonce. It can take a snapshot and roll back
 * to it, which is how the handshake leaves its state untouched when a message
 * is rejected halfway through.
 */

import { wipe } from "../bytes.ts";
import type { NoiseAeadKey, NoiseCipher } from "./noise_aead.ts";
import type { NoiseHash } from "./noise_hash.ts";
import { noiseHkdf } from "./noise_hash.ts";
import { decryptError, NOISE_TAG_LENGTH } from "./noise_limits.ts";

const EMPTY = new Uint8Array(0);

/** Everything a rollback needs; the arrays are never changed in place while shared. */
export interface SymmetricSnapshot {
  /** Chaining key. */
  readonly ck: Uint8Array;
  /** Handshake hash. */
  readonly h: Uint8Array;
  /** Handshake cipher key, if any. */
  readonly key: NoiseAeadKey | undefined;
  /** Handshake cipher nonce. */
  readonly n: bigint;
}

/** Chaining key, handshake hash and handshake cipher key (spec §5.2). */
export class SymmetricState {
  readonly #hash: NoiseHash;
  readonly #cipher: NoiseCipher;
  #ck: Uint8Array;
  #h: Uint8Array;
  #key: NoiseAeadKey | undefined;
  #n = 0n;
  // The chaining key held by the live snapshot: it must survive until the
  // snapshot is restored or released; every other superseded one is wiped.
  #pinned: Uint8Array | undefined;

  /** InitializeSymmetric(protocol_name). */
  constructor(protocolName: string, hash: NoiseHash, cipher: NoiseCipher) {
    this.#hash = hash;
    this.#cipher = cipher;
    const name = new TextEncoder().encode(protocolName);
    if (name.length <= hash.hashLen) {
      this.#h = new Uint8Array(hash.hashLen);
      this.#h.set(name);
    } else {
      this.#h = hash.hash(name);
    }
    this.#ck = new Uint8Array(this.#h);
  }

  /** True once a key has been mixed in: from then on payloads are encrypted. */
  get hasKey(): boolean {
    return this.#key !== undefined;
  }

  /** Bytes of overhead EncryptAndHash adds right now (the tag, or nothing). */
  get overhead(): number {
    return this.hasKey ? NOISE_TAG_LENGTH : 0;
  }

  /** A copy of the handshake hash h. */
  get handshakeHash(): Uint8Array {
    return new Uint8Array(this.#h);
  }

  /** MixKey(input_key_material). */
  mixKey(inputKeyMaterial: Uint8Array): void {
    const [ck, tempK] = noiseHkdf(this.#hash, this.#ck, inputKeyMaterial, 2);
    this.#replaceCk(ck);
    this.#setKey(tempK);
  }

  /** MixHash(data): h = HASH(h || data). */
  mixHash(data: Uint8Array): void {
    this.#h = this.#hash.hash(this.#h, data);
  }

  /** MixKeyAndHash(input_key_material), used for `psk` tokens. */
  mixKeyAndHash(inputKeyMaterial: Uint8Array): void {
    const [ck, tempH, tempK] = noiseHkdf(this.#hash, this.#ck, inputKeyMaterial, 3);
    this.#replaceCk(ck);
    this.mixHash(tempH);
    wipe(tempH);
    this.#setKey(tempK);
  }

  /** EncryptAndHash(plaintext): encrypt if keyed, then mix the result into h. */
  async encryptAndHash(plaintext: Uint8Array): Promise<Uint8Array> {
    let out = plaintext;
    if (this.#key !== undefined) {
      out = await this.#key.encrypt(this.#n, this.#h, plaintext);
      this.#n++;
    }
    this.mixHash(out);
    return out;
  }

  /** DecryptAndHash(ciphertext): the state only changes if authentication succeeds. */
  async decryptAndHash(ciphertext: Uint8Array): Promise<Uint8Array> {
    let out = ciphertext;
    if (this.#key !== undefined) {
      const opened = await this.#key.decrypt(this.#n, this.#h, ciphertext);
      if (opened === undefined) throw decryptError();
      out = opened;
      this.#n++;
    }
    this.mixHash(ciphertext);
    return out;
  }

  /** Split(): the two transport keys (initiator-to-responder first), 32 bytes each. */
  split(): [Uint8Array, Uint8Array] {
    const [k1, k2] = noiseHkdf(this.#hash, this.#ck, EMPTY, 2);
    const keys: [Uint8Array, Uint8Array] = [k1.slice(0, 32), k2.slice(0, 32)];
    wipe(k1);
    wipe(k2);
    return keys;
  }

  /** Capture the current state for {@link restore}. */
  snapshot(): SymmetricSnapshot {
    this.#pinned = this.#ck;
    return { ck: this.#ck, h: this.#h, key: this.#key, n: this.#n };
  }

  /** Go back to `s`, wiping the chaining key derived since. */
  restore(s: SymmetricSnapshot): void {
    if (this.#ck !== s.ck) wipe(this.#ck);
    this.#ck = s.ck;
    this.#h = s.h;
    this.#key = s.key;
    this.#n = s.n;
    this.#pinned = undefined;
  }

  /** Forget `s` after success, wiping its chaining key if it is no longer current. */
  release(s: SymmetricSnapshot): void {
    if (this.#ck !== s.ck) wipe(s.ck);
    this.#pinned = undefined;
  }

  /** Wipe the chaining key and drop the cipher key once the handshake is over. */
  destroy(): void {
    wipe(this.#ck);
    this.#key = undefined;
  }

  #replaceCk(ck: Uint8Array): void {
    if (this.#ck !== this.#pinned) wipe(this.#ck);
    this.#ck = ck;
  }

  // InitializeKey(k): truncate to 32 bytes when HASHLEN is 64 (spec §5.2).
  #setKey(tempK: Uint8Array): void {
    this.#key = this.#cipher.createKey(tempK.subarray(0, 32));
    this.#n = 0n;
    wipe(tempK);
  }
}
