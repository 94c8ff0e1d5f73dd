/**
 * @module noise_handshake_core
 * The token processing of spec §5.3 WriteMessage/ReadMessage: the keys known
 * so far, the symmetric state, and what each token does to them. No turn or
 * size checks here (that is `noise_handshake.ts`); what this file adds is a
 * snapshot of its whole state, so a failed message can be undone.
 */

import { concatBytes, wipe } from "../bytes.ts";
import { assertNoisePublicKey, checkNoiseKeyPair, freshNoiseKeyPair, noiseDh } from "./noise_dh.ts";
import type { NoiseKeyPair } from "./noise_dh.ts";
import type { ResolvedHandshakeOptions } from "./noise_handshake_options.ts";
import { truncatedError } from "./noise_limits.ts";
import type { NoiseToken } from "./noise_patterns.ts";
import { type SymmetricSnapshot, SymmetricState } from "./noise_symmetric_state.ts";

/** Everything {@link HandshakeCore.restore} needs. */
export interface CoreSnapshot {
  /** The symmetric state's snapshot. */
  readonly sym: SymmetricSnapshot;
  /** Our ephemeral key pair at the time. */
  readonly e: NoiseKeyPair | undefined;
  /** The peer's ephemeral key at the time. */
  readonly re: Uint8Array | undefined;
  /** The peer's static key at the time. */
  readonly rs: Uint8Array | undefined;
  /** How many PSKs had been mixed in. */
  readonly pskIndex: number;
}

/** Keys and symmetric state of one side of a handshake. */
export class HandshakeCore {
  /** The symmetric state (ck, h, handshake cipher key). */
  readonly sym: SymmetricState;
  /** Our ephemeral key pair, once the `e` token has been written. */
  e: NoiseKeyPair | undefined;
  /** The peer's ephemeral key, once read. */
  re: Uint8Array | undefined;
  /** The peer's static key, from the options or once read. */
  rs: Uint8Array | undefined;
  readonly #o: ResolvedHandshakeOptions;
  #pskIndex = 0;
  #checked: Promise<void> | undefined;

  /** Initialize(): protocol name, prologue, then pre-message keys, the initiator's first. */
  constructor(o: ResolvedHandshakeOptions) {
    this.#o = o;
    this.rs = o.remoteStatic;
    this.sym = new SymmetricState(o.protocol.name, o.protocol.hash, o.protocol.cipher);
    this.sym.mixHash(o.prologue);
    const { pattern } = o.protocol;
    // Pre-messages only hold `s` (checked when the table is parsed).
    for (const _ of pattern.initiatorPreMessage) {
      this.sym.mixHash(o.initiator ? o.staticKey!.publicKey : o.remoteStatic!);
    }
    for (const _ of pattern.responderPreMessage) {
      this.sym.mixHash(o.initiator ? o.remoteStatic! : o.staticKey!.publicKey);
    }
  }

  /** Apply `tokens` as the sender and return the message carrying `payload`. */
  async write(tokens: readonly NoiseToken[], payload: Uint8Array): Promise<Uint8Array> {
    await this.#checkKeys();
    const parts: Uint8Array[] = [];
    for (const token of tokens) {
      if (token === "e") {
        const e = this.#o.ephemeral ?? await freshNoiseKeyPair();
        this.e = e;
        parts.push(e.publicKey);
        this.#mixEphemeral(e.publicKey);
      } else if (token === "s") {
        parts.push(await this.sym.encryptAndHash(this.#o.staticKey!.publicKey));
      } else {
        await this.#mixToken(token);
      }
    }
    parts.push(await this.sym.encryptAndHash(payload));
    return concatBytes(...parts);
  }

  /** Apply `tokens` as the receiver of `message` and return its payload. */
  async read(tokens: readonly NoiseToken[], message: Uint8Array): Promise<Uint8Array> {
    await this.#checkKeys();
    let offset = 0;
    const take = (length: number): Uint8Array => {
      if (offset + length > message.length) throw truncatedError(message.length);
      offset += length;
      return message.slice(offset - length, offset);
    };
    for (const token of tokens) {
      if (token === "e") {
        const re = take(32);
        assertNoisePublicKey(re, "remote ephemeral key");
        this.re = re;
        this.#mixEphemeral(re);
      } else if (token === "s") {
        const rs = await this.sym.decryptAndHash(take(32 + this.sym.overhead));
        assertNoisePublicKey(rs, "remote static key");
        this.rs = rs;
      } else {
        await this.#mixToken(token);
      }
    }
    if (message.length - offset < this.sym.overhead) throw truncatedError(message.length);
    return await this.sym.decryptAndHash(take(message.length - offset));
  }

  /** Capture the state before a message. */
  snapshot(): CoreSnapshot {
    const { e, re, rs } = this;
    return { sym: this.sym.snapshot(), e, re, rs, pskIndex: this.#pskIndex };
  }

  /** Undo a failed message: back to `s`, wiping an ephemeral made since. */
  restore(s: CoreSnapshot): void {
    this.sym.restore(s.sym);
    if (this.e && this.e !== s.e && this.e !== this.#o.ephemeral) wipe(this.e.privateKey);
    this.e = s.e;
    this.re = s.re;
    this.rs = s.rs;
    this.#pskIndex = s.pskIndex;
  }

  /** Wipe every secret: ephemeral, our static copy, PSK copies, chaining key. */
  destroy(): void {
    if (this.e) wipe(this.e.privateKey);
    if (this.#o.ephemeral) wipe(this.#o.ephemeral.privateKey);
    if (this.#o.staticKey) wipe(this.#o.staticKey.privateKey);
    for (const psk of this.#o.psks) wipe(psk);
    this.sym.destroy();
  }

  #mixEphemeral(publicKey: Uint8Array): void {
    this.sym.mixHash(publicKey);
    // With PSKs, `e` also feeds the key, so nothing is encrypted under a
    // psk-derived key that lacks the sender's fresh randomness (spec §9.2).
    if (this.#o.protocol.pattern.pskCount > 0) this.sym.mixKey(publicKey);
  }

  /**
   * The given key pairs must match before the first message: checked here,
   * once, rather than when the handshake is made, because WebCrypto (which
   * derives the public key) is asynchronous.
   */
  #checkKeys(): Promise<void> {
    this.#checked ??= (async () => {
      if (this.#o.staticKey) await checkNoiseKeyPair(this.#o.staticKey, "local static key");
      if (this.#o.ephemeral) await checkNoiseKeyPair(this.#o.ephemeral, "ephemeral key");
    })();
    return this.#checked;
  }

  async #mixToken(token: Exclude<NoiseToken, "e" | "s">): Promise<void> {
    if (token === "psk") {
      this.sym.mixKeyAndHash(this.#o.psks[this.#pskIndex++]);
      return;
    }
    const s = this.#o.staticKey;
    // es = DH(initiator's e, responder's s); se = DH(initiator's s, responder's e).
    const [local, remote, label] = token === "ee"
      ? [this.e, this.re, "remote ephemeral key"]
      : token === "ss"
      ? [s, this.rs, "remote static key"]
      : (token === "es") === this.#o.initiator
      ? [this.e, this.rs, "remote static key"]
      : [s, this.re, "remote ephemeral key"];
    if (!local || !remote) throw new Error(`pattern bug: keys for ${token} are missing`);
    const shared = await noiseDh(local.privateKey, remote, label);
    this.sym.mixKey(shared);
    wipe(shared);
  }
}
