/**
 * @module identity
 * A device's keys: Ed25519 to sign its log entries (the device id is derived
 * from this public key), X25519 for Noise, and a separate X25519 key for
 * WireGuard so the tunnel and the sync channel never share a secret.
 * Uses WebCrypto (native, fast); no I/O. Private keys live only in
 * {@link DeviceKeys} and the key file codec; nothing here prints them.
 */

import { fromBase64, plain, toBase64Url } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { type DeviceId, deviceIdFromKey } from "./device_id.ts";

/** Raw key material of one device. Treat every `*Private` field as secret. */
export interface DeviceKeys {
  /** Ed25519 seed (32 bytes). */
  readonly signPrivate: Uint8Array;
  /** Ed25519 public key (32 bytes); the device id encodes it. */
  readonly signPublic: Uint8Array;
  /** X25519 private key for Noise (32 bytes). */
  readonly noisePrivate: Uint8Array;
  /** X25519 public key for Noise. */
  readonly noisePublic: Uint8Array;
  /** WireGuard private key (32 bytes, X25519). */
  readonly wgPrivate: Uint8Array;
  /** WireGuard public key. */
  readonly wgPublic: Uint8Array;
}

async function generatePair(name: "Ed25519" | "X25519"): Promise<[Uint8Array, Uint8Array]> {
  const usages: KeyUsage[] = name === "Ed25519" ? ["sign", "verify"] : ["deriveBits"];
  const pair = await crypto.subtle.generateKey({ name }, true, usages) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return [fromBase64(jwk.d!), fromBase64(jwk.x!)];
}

/** Make a fresh set of device keys. */
export async function generateDeviceKeys(): Promise<DeviceKeys> {
  const [signPrivate, signPublic] = await generatePair("Ed25519");
  const [noisePrivate, noisePublic] = await generatePair("X25519");
  const [wgPrivate, wgPublic] = await generatePair("X25519");
  return { signPrivate, signPublic, noisePrivate, noisePublic, wgPrivate, wgPublic };
}

/** The display id of the device owning `keys`. */
export function deviceIdOf(keys: Pick<DeviceKeys, "signPublic">): DeviceId {
  return deviceIdFromKey(keys.signPublic);
}

/** Signs with one device's Ed25519 key; the CryptoKey is imported once. */
export class Signer {
  readonly #key: Promise<CryptoKey>;
  /** The signing device. */
  readonly id: DeviceId;
  /** The public half, 32 bytes. */
  readonly publicKey: Uint8Array;

  /** Wrap a key pair; fails later (on sign) if the halves do not match. */
  constructor(keys: Pick<DeviceKeys, "signPrivate" | "signPublic">) {
    this.publicKey = keys.signPublic;
    this.id = deviceIdFromKey(keys.signPublic);
    this.#key = crypto.subtle.importKey(
      "jwk",
      {
        kty: "OKP",
        crv: "Ed25519",
        d: toBase64Url(keys.signPrivate),
        x: toBase64Url(keys.signPublic),
      },
      "Ed25519",
      false,
      ["sign"],
    );
  }

  /** Sign `message`; returns a 64-byte signature. */
  async sign(message: Uint8Array): Promise<Uint8Array> {
    try {
      return new Uint8Array(await crypto.subtle.sign("Ed25519", await this.#key, plain(message)));
    } catch (e) {
      throw new MycelError("bad_key", "sign log entry", "the device's signing key is unusable", {
        hint: "The key file may be damaged; check `mycel doctor`.",
        cause: e,
      });
    }
  }
}

const verifyKeys = new Map<string, Promise<CryptoKey>>();

/**
 * Verify an Ed25519 signature by `publicKey`. Returns false (never throws) for
 * malformed keys or signatures, since both come from untrusted peers.
 */
export async function verifySignature(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const cacheKey = publicKey.toBase64();
  let key = verifyKeys.get(cacheKey);
  if (key === undefined) {
    if (verifyKeys.size > 4096) verifyKeys.clear();
    key = crypto.subtle.importKey("raw", plain(publicKey), "Ed25519", false, ["verify"]);
    verifyKeys.set(cacheKey, key);
  }
  try {
    return await crypto.subtle.verify("Ed25519", await key, plain(signature), plain(message));
  } catch {
    verifyKeys.delete(cacheKey);
    return false;
  }
}
