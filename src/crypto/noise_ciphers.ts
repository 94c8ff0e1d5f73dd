/**
 * @module noise_ciphers
 * The Noise cipher functions mycel offers (spec §4.2, §12.3, §12.4), by the
 * name a protocol name uses: AESGCM through WebCrypto (noise_aesgcm.ts) and
 * ChaChaPoly through @noble/ciphers, then `node:crypto` once a process moves
 * more (noise_chachapoly.ts). Measured here on 64 KiB frames: native
 * ChaChaPoly 720 MB/s, WebCrypto's AES-GCM 245–276 MB/s (it does not reach
 * AES-NI speed in this runtime), @noble/ciphers' ChaChaPoly ~130 MB/s; so
 * sync sessions run ChaChaPoly (docs/benchmarks.md).
 */

import type { NoiseCipher, NoiseCipherName } from "./noise_aead.ts";
import { AesGcmKey } from "./noise_aesgcm.ts";
import { ChaChaPolyKey } from "./noise_chachapoly.ts";

const CIPHERS: Record<NoiseCipherName, NoiseCipher> = {
  AESGCM: { name: "AESGCM", createKey: (key) => new AesGcmKey(key) },
  ChaChaPoly: { name: "ChaChaPoly", createKey: (key) => new ChaChaPolyKey(key) },
};

/** The cipher function called `name` in a protocol name, or undefined. */
export function noiseCipher(name: string): NoiseCipher | undefined {
  return Object.hasOwn(CIPHERS, name) ? CIPHERS[name as NoiseCipherName] : undefined;
}
