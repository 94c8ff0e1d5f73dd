/**
 * @module gear_seed
 * The gear seed. FastCDC's cut points are a public function of the
 * content; seeding the gear table from a secret (a folder's key,
 * chunk_key.ts) makes them a keyed one,
 * so the chunk sizes a relay or a stolen chunk store sees don't identify
 * known files. The seed is HKDF-SHA256 of the secret under a fixed mycel
 * label, so it is independent of every other key derived from that secret.
 */

import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";

const SALT = utf8("mycel/files");
const INFO = utf8("mycel/fastcdc-gear-seed/v1");

/** Fewest secret bytes accepted: a seed from a short secret could be guessed. */
export const MIN_GEAR_SECRET_BYTES = 16;

/**
 * The unsigned 64-bit gear seed for a secret (every device derives the
 * same one from a folder's key). Never log the secret; the seed is not secret-grade
 * either (it only hides chunk sizes), but keep it out of logs as well.
 * @throws MycelError `bad_gear_secret` when the secret is too short
 */
export function gearSeedFromSecret(secret: Uint8Array): bigint {
  if (secret.length < MIN_GEAR_SECRET_BYTES) {
    throw new MycelError("bad_gear_secret", "derive chunking seed", "the secret is too short", {
      value: `${secret.length} bytes, need ${MIN_GEAR_SECRET_BYTES}`,
    });
  }
  const okm = hkdf(sha256, secret, SALT, INFO, 8);
  return new DataView(okm.buffer, okm.byteOffset, 8).getBigUint64(0, false);
}
