/**
 * @module noise
 * The Noise Protocol Framework (rev 34) for mycel: the public surface the sync
 * and pairing code import. Sync connections run {@link NOISE_IK}; pairing runs
 * {@link NOISE_XXPSK3} with the CPace key as the PSK. Every pattern of the spec
 * (one-way, interactive, deferred, with `pskN` modifiers) works over 25519 with
 * AESGCM or ChaChaPoly and SHA256, SHA512, BLAKE2s or BLAKE2b.
 *
 * ```ts
 * import { Handshake, NOISE_IK, generateNoiseKeyPair } from "./noise.ts";
 *
 * const alice = generateNoiseKeyPair();
 * const bob = generateNoiseKeyPair();
 * const initiator = Handshake.create({
 *   protocol: NOISE_IK, initiator: true, staticKey: alice, remoteStatic: bob.publicKey,
 * });
 * const responder = Handshake.create({ protocol: NOISE_IK, initiator: false, staticKey: bob });
 * await responder.readMessage(await initiator.writeMessage());
 * // responder.remoteStatic is alice.publicKey: check it against the device set here.
 * await initiator.readMessage(await responder.writeMessage());
 * const a = initiator.split();
 * const b = responder.split();
 * await b.receive.decrypt(await a.send.encrypt(new Uint8Array([1, 2, 3])));
 * ```
 *
 * Errors are `MycelError`s with these codes: `noise_decrypt` (authentication
 * failed), `noise_bad_key` (low-order or malformed public key), `noise_truncated`,
 * `noise_too_large` (over 65535 bytes), `noise_nonce_limit`, `noise_state`
 * (call out of turn), `noise_config` (keys do not fit the pattern) and
 * `noise_protocol` (unsupported protocol name).
 */

export { CipherState, type CipherStateOptions } from "./noise_cipher_state.ts";
export {
  generateNoiseKeyPair,
  NOISE_DH_LENGTH,
  type NoiseKeyPair,
  noisePublicKey,
} from "./noise_dh.ts";
export { Handshake, type HandshakeTurn, type TransportCiphers } from "./noise_handshake.ts";
export type { HandshakeOptions } from "./noise_handshake_options.ts";
export {
  NOISE_DEFAULT_NONCE_LIMIT,
  NOISE_MAX_MESSAGE,
  NOISE_MAX_PLAINTEXT,
  NOISE_TAG_LENGTH,
} from "./noise_limits.ts";
export { NOISE_BASE_PATTERNS, type NoisePattern, noisePattern } from "./noise_patterns.ts";
export {
  NOISE_IK,
  NOISE_IK_AESGCM,
  NOISE_XXPSK3,
  type NoiseProtocol,
  parseNoiseProtocol,
} from "./noise_protocol.ts";
