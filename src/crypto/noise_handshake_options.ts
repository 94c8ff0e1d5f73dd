/**
 * @module noise_handshake_options
 * The options a handshake starts from, and their validation against the
 * chosen pattern. Mistakes here are programming errors on our side (a missing
 * key, a PSK for a pattern without one) and would silently weaken the
 * handshake if ignored, so each one is refused with a `noise_config` error.
 * Everything kept is a private copy, so the handshake may wipe it later.
 */

import type { NoiseKeyPair } from "./noise_dh.ts";
import { assertNoisePublicKey } from "./noise_dh.ts";
import { configError } from "./noise_limits.ts";
import type { NoisePattern } from "./noise_patterns.ts";
import { type NoiseProtocol, parseNoiseProtocol } from "./noise_protocol.ts";

/** How to start a {@link Handshake}. */
export interface HandshakeOptions {
  /** Full protocol name, e.g. `Noise_IK_25519_AESGCM_SHA256` (see `NOISE_IK`). */
  protocol: string;
  /** True for the side that sends the first message. */
  initiator: boolean;
  /** Data both sides must agree on, e.g. a protocol version string (default empty). */
  prologue?: Uint8Array;
  /** Our long-term X25519 key pair; required exactly when the pattern uses it. */
  staticKey?: NoiseKeyPair;
  /** The peer's static public key, required when it is known in advance (the `K`/`IK` side). */
  remoteStatic?: Uint8Array;
  /** Pre-shared 32-byte keys, one per `psk` token, in the order the tokens appear. */
  psks?: readonly Uint8Array[];
  /** Fixed ephemeral key pair. Only for test vectors: a reused ephemeral breaks security. */
  ephemeral?: NoiseKeyPair;
  /** Message limit of the transport cipher states (tests lower it; see `CipherState`). */
  nonceLimit?: bigint;
}

/** Validated, copied options. */
export interface ResolvedHandshakeOptions {
  /** The parsed protocol. */
  readonly protocol: NoiseProtocol;
  /** True for the initiator. */
  readonly initiator: boolean;
  /** Copy of the prologue (empty by default). */
  readonly prologue: Uint8Array;
  /** Copy of our static key pair, if the pattern uses it. */
  readonly staticKey: NoiseKeyPair | undefined;
  /** Copy of the peer's pre-known static key, if the pattern needs it. */
  readonly remoteStatic: Uint8Array | undefined;
  /** Copies of the PSKs, in token order. */
  readonly psks: Uint8Array[];
  /** Copy of the fixed test ephemeral, if given. */
  readonly ephemeral: NoiseKeyPair | undefined;
  /** Transport message limit, if given. */
  readonly nonceLimit: bigint | undefined;
}

function copyPair(pair: NoiseKeyPair): NoiseKeyPair {
  return { publicKey: new Uint8Array(pair.publicKey), privateKey: new Uint8Array(pair.privateKey) };
}

/** True when the given side sends or pre-shares a static key in `pattern`. */
function usesStatic(pattern: NoisePattern, initiatorSide: boolean): boolean {
  const own = initiatorSide ? "->" : "<-";
  const pre = initiatorSide ? pattern.initiatorPreMessage : pattern.responderPreMessage;
  return pre.includes("s") ||
    pattern.messages.some((m) => m.direction === own && m.tokens.includes("s"));
}

/** Check `options` against the protocol and return private copies of everything. */
export function resolveHandshakeOptions(options: HandshakeOptions): ResolvedHandshakeOptions {
  const protocol = parseNoiseProtocol(options.protocol);
  const { pattern } = protocol;
  const initiator = options.initiator;
  const role = initiator ? "initiator" : "responder";

  const needsStatic = usesStatic(pattern, initiator);
  if (needsStatic && !options.staticKey) {
    throw configError(`the ${role} of ${pattern.name} needs a static key`, protocol.name);
  }
  if (!needsStatic && options.staticKey) {
    throw configError(`the ${role} of ${pattern.name} never sends a static key`, protocol.name);
  }
  // That each given pair matches is checked before the first message (noise_handshake_core.ts).
  if (options.staticKey) assertNoisePublicKey(options.staticKey.publicKey, "local static key");

  const remotePre = initiator ? pattern.responderPreMessage : pattern.initiatorPreMessage;
  const needsRemote = remotePre.includes("s");
  if (needsRemote && !options.remoteStatic) {
    throw configError(`the ${role} of ${pattern.name} must know the peer's static key`);
  }
  if (!needsRemote && options.remoteStatic) {
    // Silently ignoring it would look like pinning the peer while checking nothing.
    throw configError(
      `${pattern.name} learns the peer's static key during the handshake; ` +
        "compare handshake.remoteStatic afterwards instead of passing remoteStatic",
    );
  }
  if (options.remoteStatic) assertNoisePublicKey(options.remoteStatic, "remote static key");

  const psks = options.psks ?? [];
  if (psks.length !== pattern.pskCount) {
    throw configError(
      `${pattern.name} needs ${pattern.pskCount} pre-shared key(s)`,
      `${psks.length} given`,
    );
  }
  for (const psk of psks) {
    if (psk.length !== 32) throw configError("a pre-shared key must be 32 bytes", `${psk.length}`);
  }
  if (options.ephemeral) assertNoisePublicKey(options.ephemeral.publicKey, "ephemeral key");

  return {
    protocol,
    initiator,
    prologue: new Uint8Array(options.prologue ?? []),
    staticKey: options.staticKey && copyPair(options.staticKey),
    remoteStatic: options.remoteStatic && new Uint8Array(options.remoteStatic),
    psks: psks.map((p) => new Uint8Array(p)),
    ephemeral: options.ephemeral && copyPair(options.ephemeral),
    nonceLimit: options.nonceLimit,
  };
}
