/**
 * @module key_seal
 * Passphrase sealing for key material: AES-256-GCM under a key derived with
 * scrypt from the passphrase and a fresh random salt (and a fresh nonce) per
 * seal. Used by sealed key files and by `mycel keys export`.
 *
 * Invariants: the scrypt parameters read from a file are bounded (a hostile
 * file cannot make us allocate gigabytes or spin for minutes); a wrong
 * passphrase and a damaged ciphertext are the same error (`bad_passphrase`,
 * GCM cannot tell them apart); neither the passphrase nor any plaintext ever
 * reaches an error message.
 */

import { asBytes, plain } from "../bytes.ts";
import { MycelError } from "../errors.ts";

/** How a body was sealed; stored beside it. */
export interface SealParams {
  /** Always "scrypt". */
  kdf: "scrypt";
  /** scrypt cost (a power of two). */
  N: number;
  /** scrypt block size. */
  r: number;
  /** scrypt parallelism. */
  p: number;
  /** 16 random bytes. */
  salt: Uint8Array;
  /** 12 random bytes (AES-GCM nonce). */
  nonce: Uint8Array;
}

/** scrypt cost for new seals; about 0.1 s here, paid only when keys are needed. */
export const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;

/** Largest scrypt memory a sealed file may ask for (128·N·r bytes): 64 MiB. */
const MAX_SCRYPT_NR = 1 << 19;

async function aesKey(passphrase: string, seal: SealParams): Promise<CryptoKey> {
  const { scryptAsync } = await import("@noble/hashes/scrypt.js");
  const raw = await scryptAsync(passphrase, seal.salt, {
    N: seal.N,
    r: seal.r,
    p: seal.p,
    dkLen: 32,
  });
  return crypto.subtle.importKey("raw", plain(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** Seal `data` under `passphrase`; `aad` (if any) is authenticated, not hidden. */
export async function sealBytes(
  passphrase: string,
  data: Uint8Array,
  aad?: Uint8Array,
): Promise<{ seal: SealParams; body: Uint8Array }> {
  const seal: SealParams = {
    kdf: "scrypt",
    ...SCRYPT,
    salt: crypto.getRandomValues(new Uint8Array(16)),
    nonce: crypto.getRandomValues(new Uint8Array(12)),
  };
  const key = await aesKey(passphrase, seal);
  const body = new Uint8Array(
    await crypto.subtle.encrypt(gcm(seal.nonce, aad), key, plain(data)),
  );
  return { seal, body };
}

function gcm(nonce: Uint8Array, aad?: Uint8Array): AesGcmParams {
  return aad === undefined
    ? { name: "AES-GCM", iv: plain(nonce) }
    : { name: "AES-GCM", iv: plain(nonce), additionalData: plain(aad) };
}

/**
 * Check a decoded seal description; `undefined` when it is malformed or asks
 * for more work than we allow.
 */
export function parseSeal(raw: unknown): SealParams | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const s = raw as Record<string, unknown>;
  const salt = asBytes(s.salt), nonce = asBytes(s.nonce);
  const { N, r, p } = s;
  if (s.kdf !== "scrypt" || salt?.length !== 16 || nonce?.length !== 12) return undefined;
  if (!Number.isSafeInteger(N) || !Number.isSafeInteger(r) || !Number.isSafeInteger(p)) {
    return undefined;
  }
  const n = N as number, rr = r as number, pp = p as number;
  if (n < 1 << 14 || (n & (n - 1)) !== 0 || rr < 1 || rr > 32 || pp < 1 || pp > 4) {
    return undefined;
  }
  if (n * rr > MAX_SCRYPT_NR) return undefined;
  return { kdf: "scrypt", N: n, r: rr, p: pp, salt, nonce };
}

/**
 * Open a sealed body. Throws `bad_passphrase` (with `hint`) when the
 * passphrase is wrong or the body was altered.
 */
export async function unsealBytes(
  passphrase: string,
  seal: SealParams,
  body: Uint8Array,
  options: { action: string; hint: string; aad?: Uint8Array },
): Promise<Uint8Array> {
  try {
    const key = await aesKey(passphrase, seal);
    return new Uint8Array(
      await crypto.subtle.decrypt(gcm(seal.nonce, options.aad), key, plain(body)),
    );
  } catch (e) {
    throw new MycelError("bad_passphrase", options.action, "the passphrase is wrong", {
      hint: options.hint,
      cause: e,
    });
  }
}
