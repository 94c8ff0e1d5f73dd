/**
 * @module noise_cipher_state
 * The transport CipherState (spec §5.1) returned by a finished handshake: one
 * key, one 64-bit message counter, one direction. Calls are queued so the
 * counter follows call order even when callers do not await each call, and a
 * counter value is used once at most: it only moves forward, and past a limit
 * far below 2^64-1 the state refuses to work at all.
 */

import { wipe } from "../bytes.ts";
import type { NoiseAeadKey, NoiseCipher } from "./noise_aead.ts";
import {
  decryptError,
  NOISE_DEFAULT_NONCE_LIMIT,
  NOISE_MAX_MESSAGE,
  NOISE_MAX_NONCE,
  NOISE_MAX_PLAINTEXT,
  nonceLimitError,
  stateError,
  tooLargeError,
} from "./noise_limits.ts";

const EMPTY = new Uint8Array(0);

/** Options of a {@link CipherState}. */
export interface CipherStateOptions {
  /**
   * How many messages this key may process before it refuses (default
   * {@link NOISE_DEFAULT_NONCE_LIMIT}). Lower it in tests to reach the limit.
   */
  nonceLimit?: bigint;
}

/**
 * Encrypts or decrypts transport messages for one direction of a session.
 *
 * ```ts
 * const { send, receive } = handshake.split();
 * const wire = await send.encrypt(utf8("hello"));
 * const text = await peerReceive.decrypt(wire);
 * ```
 */
export class CipherState {
  readonly #cipher: NoiseCipher;
  #key: NoiseAeadKey | undefined;
  #n = 0n;
  readonly #limit: bigint;
  readonly #unusable: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * Key a cipher state with the 32-byte `key` (copied). Passing `undefined`
   * makes a state that refuses every call with `unusable` as the reason: that
   * is the missing direction of a one-way pattern.
   */
  constructor(
    cipher: NoiseCipher,
    key: Uint8Array | undefined,
    options: CipherStateOptions & { unusable?: string } = {},
  ) {
    const limit = options.nonceLimit ?? NOISE_DEFAULT_NONCE_LIMIT;
    if (limit < 1n || limit > NOISE_MAX_NONCE) {
      throw new RangeError("nonceLimit must be between 1 and 2^64-1");
    }
    this.#cipher = cipher;
    this.#key = key === undefined ? undefined : cipher.createKey(key);
    this.#limit = limit;
    this.#unusable = key === undefined
      ? (options.unusable ?? "this cipher state has no key")
      : undefined;
  }

  /** The next nonce: how many messages this state has processed so far. */
  get nonce(): bigint {
    return this.#n;
  }

  /** The message count at which this state stops working. */
  get nonceLimit(): bigint {
    return this.#limit;
  }

  /**
   * EncryptWithAd: seal `plaintext` (at most 65519 bytes, so the message stays
   * within 65535) under the next nonce. Rejects with `noise_too_large` or
   * `noise_nonce_limit`; the counter only moves on success.
   */
  encrypt(plaintext: Uint8Array, ad: Uint8Array = EMPTY): Promise<Uint8Array> {
    if (plaintext.length > NOISE_MAX_PLAINTEXT) {
      return Promise.reject(
        tooLargeError("encrypt message", plaintext.length, NOISE_MAX_PLAINTEXT),
      );
    }
    return this.#serial("encrypt message", async (key, n) => {
      const ciphertext = await key.encrypt(n, ad, plaintext);
      this.#n = n + 1n;
      return ciphertext;
    });
  }

  /**
   * EncryptWithAd of each of `plaintexts` (empty associated data) under the
   * next nonces in order, as one step of the call queue instead of one step
   * each. The same result as encrypting them one after another; the counter
   * moves past all of them only when all succeeded (on a failure the state
   * is as before).
   */
  encryptAll(plaintexts: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return this.#run(
      "encrypt message",
      plaintexts,
      NOISE_MAX_PLAINTEXT,
      (key, n, p) => key.encrypt(n, EMPTY, p),
    );
  }

  /**
   * Like {@link encryptAll}, but each message is written into `outs[i]`,
   * exactly `plaintexts[i].length` + 16 bytes (views of the caller's wire
   * buffer): the same bytes under the same nonces, without a buffer per
   * message to be copied into place afterwards.
   */
  encryptAllInto(plaintexts: readonly Uint8Array[], outs: readonly Uint8Array[]): Promise<void> {
    if (outs.length !== plaintexts.length) {
      return Promise.reject(new RangeError("encryptAllInto needs one output per plaintext"));
    }
    return this.#run(
      "encrypt message",
      plaintexts,
      NOISE_MAX_PLAINTEXT,
      (key, n, p, i) => key.encryptInto(n, EMPTY, p, outs[i]).then(() => outs[i]),
    ).then(() => {});
  }

  /**
   * DecryptWithAd: open `ciphertext` with the next nonce. A bad tag rejects
   * with `noise_decrypt` and leaves the counter where it was, so the state is
   * still usable for the genuine message.
   */
  decrypt(ciphertext: Uint8Array, ad: Uint8Array = EMPTY): Promise<Uint8Array> {
    if (ciphertext.length > NOISE_MAX_MESSAGE) {
      return Promise.reject(tooLargeError("decrypt message", ciphertext.length, NOISE_MAX_MESSAGE));
    }
    return this.#serial("decrypt message", async (key, n) => {
      const plaintext = await key.decrypt(n, ad, ciphertext);
      if (plaintext === undefined) throw decryptError();
      this.#n = n + 1n;
      return plaintext;
    });
  }

  /**
   * DecryptWithAd of each of `ciphertexts` (empty associated data) under the
   * next nonces in order, as one step of the call queue. The same result as
   * decrypting them one after another; if any tag is bad it rejects with
   * `noise_decrypt` and the counter stays where it was (none of them counts).
   * Do not modify the ciphertexts until this settles.
   */
  decryptAll(ciphertexts: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return this.#run("decrypt message", ciphertexts, NOISE_MAX_MESSAGE, async (key, n, c) => {
      const plaintext = await key.decrypt(n, EMPTY, c);
      if (plaintext === undefined) throw decryptError();
      return plaintext;
    });
  }

  // A run of messages under consecutive nonces, as one step of the queue: each
  // at most `max` bytes, all within the limit, the counter past all of them
  // only when every one succeeded.
  #run(
    action: string,
    items: readonly Uint8Array[],
    max: number,
    op: (key: NoiseAeadKey, n: bigint, item: Uint8Array, i: number) => Promise<Uint8Array>,
  ): Promise<Uint8Array[]> {
    const over = items.find((x) => x.length > max);
    if (over !== undefined) return Promise.reject(tooLargeError(action, over.length, max));
    return this.#serial(action, async (key, n) => {
      const last = n + BigInt(items.length);
      if (last > this.#limit) throw nonceLimitError(action, this.#limit);
      const out = await Promise.all(items.map((x, i) => op(key, n + BigInt(i), x, i)));
      this.#n = last;
      return out;
    });
  }

  /**
   * Rekey (spec §11.3): replace the key with the first 32 bytes of
   * ENCRYPT(k, 2^64-1, "", 32 zero bytes). Both sides must rekey at the same
   * point of the stream. The counter is kept, as the spec requires.
   */
  rekey(): Promise<void> {
    return this.#serial("rekey cipher", async (key) => {
      const sealed = await key.encrypt(NOISE_MAX_NONCE, EMPTY, new Uint8Array(32));
      const next = sealed.subarray(0, 32);
      this.#key = this.#cipher.createKey(next);
      wipe(sealed);
    }, false);
  }

  // Run `op` after every earlier call has settled, with the key and the
  // counter as they are then. A failed call does not block later ones.
  #serial<T>(
    action: string,
    op: (key: NoiseAeadKey, n: bigint) => Promise<T>,
    usesNonce = true,
  ): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#key === undefined) throw stateError(action, this.#unusable!);
      if (usesNonce && this.#n >= this.#limit) throw nonceLimitError(action, this.#limit);
      return op(this.#key, this.#n);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
