/**
 * @module noise_limits
 * Size and counter limits of the Noise engine, and the errors raised when a
 * limit is hit or a message is rejected. Kept in one file so the cipher state,
 * the handshake and the tests agree on the numbers and on the wording.
 * Error text never carries key material: only lengths, counters and names.
 */

import { MycelError } from "../errors.ts";

/** Largest Noise message, handshake or transport, in bytes (spec §3). */
export const NOISE_MAX_MESSAGE = 65535;

/** Length of the AEAD authentication tag appended to every ciphertext. */
export const NOISE_TAG_LENGTH = 16;

/** Largest transport plaintext: the message cap minus the tag. */
export const NOISE_MAX_PLAINTEXT: number = NOISE_MAX_MESSAGE - NOISE_TAG_LENGTH;

/**
 * Default number of messages a transport {@link CipherState} may encrypt or
 * decrypt. Far below 2^64-1 (the nonce reserved for rekey) so a counter bug can
 * never come near a wrap-around; at a million messages a second it is still
 * tens of thousands of years away.
 */
export const NOISE_DEFAULT_NONCE_LIMIT: bigint = 1n << 60n;

/** The largest nonce a cipher may be called with (spec §5.1: 2^64-1 is reserved). */
export const NOISE_MAX_NONCE: bigint = (1n << 64n) - 1n;

/** Authentication failed: wrong key, tampered or misordered message. */
export function decryptError(): MycelError {
  return new MycelError("noise_decrypt", "decrypt message", "authentication failed", {
    hint: "The message was altered, sent out of order, or sent by someone without the key.",
  });
}

/** A message or plaintext is over the Noise size cap. */
export function tooLargeError(action: string, length: number, limit: number): MycelError {
  return new MycelError(
    "noise_too_large",
    action,
    `it is larger than the ${limit}-byte Noise limit`,
    { value: `${length} bytes`, hint: "Split the data into smaller frames." },
  );
}

/** A received message ends before all of its fields. */
export function truncatedError(length: number): MycelError {
  return new MycelError(
    "noise_truncated",
    "read Noise message",
    "the message is too short for this handshake step",
    { value: `${length} bytes` },
  );
}

/** The nonce counter reached its limit; the key must not be used again. */
export function nonceLimitError(action: string, limit: bigint): MycelError {
  return new MycelError(
    "noise_nonce_limit",
    action,
    "the nonce limit of this key was reached",
    {
      value: `${limit} messages`,
      hint: "Reconnect: a new handshake gives fresh keys and counters. " +
        "rekey() alone is not enough, it replaces the key but keeps the counter (Noise spec §11.3).",
    },
  );
}

/** A call came at the wrong point of the handshake or session. */
export function stateError(action: string, reason: string): MycelError {
  return new MycelError("noise_state", action, reason);
}

/** Options given to the handshake do not fit the chosen protocol. */
export function configError(reason: string, value?: string): MycelError {
  return new MycelError("noise_config", "start Noise handshake", reason, { value });
}
