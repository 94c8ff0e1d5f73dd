/**
 * @module sign_now
 * Signing a home's own entries without a turn of the event loop. They are
 * signed inside the home's write transaction (src/storage/home_writer.ts),
 * and WebCrypto's answer (identity.ts `Signer`) comes back through the
 * event loop, which meanwhile runs whatever else the process has to do — a
 * fetch's chunks: decrypted, hashed, written — with the home held, and
 * every other process of the home (a `sync serve` answering a peer) waits.
 * Here @noble/curves signs synchronously; Ed25519 is deterministic (RFC
 * 8032), so the signature is the one WebCrypto gives and every release
 * verifies it as before. Loaded only by a process about to sign.
 */

import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { DeviceKeys } from "./identity.ts";

/** Signers of key sets used before ({@link nowSigner}): their halves checked once. */
const signers = new WeakMap<object, NowSigner>();

/** The synchronous signer of `keys`, made once per key set (a home reads its keys once). */
export function nowSigner(keys: Pick<DeviceKeys, "signPrivate" | "signPublic">): NowSigner {
  let s = signers.get(keys);
  if (s === undefined) signers.set(keys, s = new NowSigner(keys));
  return s;
}

/** Signs with one device's Ed25519 key, synchronously. */
export class NowSigner {
  readonly #private: Uint8Array;
  #matched = false;
  /** The public half, 32 bytes. */
  readonly publicKey: Uint8Array;

  constructor(keys: Pick<DeviceKeys, "signPrivate" | "signPublic">) {
    this.#private = keys.signPrivate;
    this.publicKey = keys.signPublic;
  }

  /**
   * Whether the halves match (checked once). The first check in a process
   * also builds the curve's tables (some 50 ms): a caller about to sign in
   * a transaction calls this before it begins.
   */
  ready(): boolean {
    if (!this.#matched) {
      try {
        this.#matched = bytesEqual(ed25519.getPublicKey(this.#private), this.publicKey);
      } catch {
        // a seed of the wrong length: not ready
      }
    }
    return this.#matched;
  }

  /**
   * Sign `message`; a key pair whose halves do not match is refused
   * (`bad_key`), as its signatures would verify for nobody.
   */
  signNow(message: Uint8Array): Uint8Array {
    if (!this.ready()) {
      throw new MycelError("bad_key", "sign log entry", "the device's key pair does not match", {
        hint: "The key file is damaged; restore it from a backup or re-pair this machine.",
      });
    }
    return ed25519.sign(message, this.#private);
  }
}
