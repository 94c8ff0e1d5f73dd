/**
 * @module noise_helpers
 * Shared pieces of the Noise tests: the cacophony vector loader (the file is
 * tests/vectors/noise-cacophony-25519.json, copied into the repository; its
 * source is named in tests/vectors/README.md), a driver that plays one role
 * of a vector against the recorded transcript, and handshake set-ups.
 * Assertions come from tests/helpers/assert.ts.
 */

import { fromHex } from "../../src/bytes.ts";
import {
  type CipherState,
  generateNoiseKeyPair,
  Handshake,
  NOISE_IK,
  NOISE_XXPSK3,
  type NoiseKeyPair,
  noisePublicKey,
  parseNoiseProtocol,
  type TransportCiphers,
} from "../../src/crypto/noise.ts";
import { assertBytes } from "../helpers/assert.ts";

/** One cacophony vector, as stored in tests/vectors/noise-cacophony-25519.json. */
export interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_psks?: string[];
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_psks?: string[];
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const VECTOR_FILE = new URL(
  "../vectors/noise-cacophony-25519.json",
  import.meta.url,
);

/** All cacophony vectors in tests/vectors/. */
export async function loadNoiseVectors(): Promise<NoiseVector[]> {
  const json = JSON.parse(await Deno.readTextFile(VECTOR_FILE));
  return json.vectors as NoiseVector[];
}

function pair(privateHex: string | undefined): NoiseKeyPair | undefined {
  if (privateHex === undefined) return undefined;
  const privateKey = fromHex(privateHex);
  return { publicKey: noisePublicKey(privateKey), privateKey };
}

/** Start the given role of a vector with its fixed keys. */
export function vectorHandshake(v: NoiseVector, initiator: boolean): Handshake {
  const side = initiator ? "init" : "resp";
  const remote = v[`${side}_remote_static`];
  const psks = v[`${side}_psks`];
  return Handshake.create({
    protocol: v.protocol_name,
    initiator,
    prologue: fromHex(v[`${side}_prologue`]),
    staticKey: pair(v[`${side}_static`]),
    remoteStatic: remote === undefined ? undefined : fromHex(remote),
    psks: psks?.map(fromHex),
    ephemeral: pair(v[`${side}_ephemeral`]),
  });
}

/**
 * Play one role of `v` against the recorded transcript: every message we send
 * must equal the recorded ciphertext, every message we receive must decrypt
 * to the recorded payload, through the handshake and the transport messages
 * after it, and the handshake hash must match.
 */
export async function playVectorRole(v: NoiseVector, initiator: boolean): Promise<void> {
  const role = `${v.protocol_name} ${initiator ? "initiator" : "responder"}`;
  const hs = vectorHandshake(v, initiator);
  const { oneWay } = parseNoiseProtocol(v.protocol_name).pattern;
  let transport: { send: CipherState; receive: CipherState } | undefined;
  for (const [i, m] of v.messages.entries()) {
    const label = `${role}, message ${i}`;
    const payload = fromHex(m.payload);
    const ciphertext = fromHex(m.ciphertext);
    if (!hs.complete) {
      if (hs.turn === "write") {
        assertBytes(await hs.writeMessage(payload), ciphertext, label);
      } else {
        assertBytes(await hs.readMessage(ciphertext), payload, label);
      }
      continue;
    }
    if (!transport) {
      assertBytes(hs.handshakeHash, fromHex(v.handshake_hash), `${role}, handshake hash`);
      transport = hs.split();
    }
    // After the handshake cacophony alternates senders starting from the
    // initiator on even indexes; one-way patterns only send from the initiator.
    const initiatorSends = oneWay || i % 2 === 0;
    if (initiatorSends === initiator) {
      assertBytes(await transport.send.encrypt(payload), ciphertext, label);
    } else {
      assertBytes(await transport.receive.decrypt(ciphertext), payload, label);
    }
  }
  if (!transport) throw new Error(`${role}: the vector has no transport messages`);
}

/** A fresh IK initiator/responder pair with random static keys. */
export function ikPair(options: { nonceLimit?: bigint } = {}): {
  initiator: Handshake;
  responder: Handshake;
  initiatorKey: NoiseKeyPair;
  responderKey: NoiseKeyPair;
} {
  const initiatorKey = generateNoiseKeyPair();
  const responderKey = generateNoiseKeyPair();
  const initiator = Handshake.create({
    protocol: NOISE_IK,
    initiator: true,
    prologue: PROLOGUE,
    staticKey: initiatorKey,
    remoteStatic: responderKey.publicKey,
    nonceLimit: options.nonceLimit,
  });
  const responder = Handshake.create({
    protocol: NOISE_IK,
    initiator: false,
    prologue: PROLOGUE,
    staticKey: responderKey,
    nonceLimit: options.nonceLimit,
  });
  return { initiator, responder, initiatorKey, responderKey };
}

/** A fresh XXpsk3 pair sharing `psk` (random when not given). */
export function xxPsk3Pair(
  psk: Uint8Array = crypto.getRandomValues(new Uint8Array(32)),
  responderPsk: Uint8Array = psk,
): { initiator: Handshake; responder: Handshake } {
  const make = (initiator: boolean, key: Uint8Array) =>
    Handshake.create({
      protocol: NOISE_XXPSK3,
      initiator,
      prologue: PROLOGUE,
      staticKey: generateNoiseKeyPair(),
      psks: [key],
    });
  return { initiator: make(true, psk), responder: make(false, responderPsk) };
}

/** Prologue the generated pairs use. */
export const PROLOGUE: Uint8Array = new TextEncoder().encode("mycel noise test");

/**
 * Drive two handshakes to completion, passing each message from writer to
 * reader (payloads are empty unless given), and return both transport pairs.
 */
export async function runHandshake(
  initiator: Handshake,
  responder: Handshake,
  payloads: Uint8Array[] = [],
): Promise<{ initiator: TransportCiphers; responder: TransportCiphers }> {
  let i = 0;
  while (!initiator.complete || !responder.complete) {
    const [writer, reader] = initiator.turn === "write"
      ? [initiator, responder]
      : [responder, initiator];
    const payload = payloads[i++] ?? new Uint8Array(0);
    const received = await reader.readMessage(await writer.writeMessage(payload));
    assertBytes(received, payload, `handshake payload ${i - 1}`);
  }
  assertBytes(initiator.handshakeHash, responder.handshakeHash, "handshake hash");
  return { initiator: initiator.split(), responder: responder.split() };
}

/** Flip bit `bit` (modulo the length) of a copy of `bytes`. */
export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = new Uint8Array(bytes);
  const i = bit % (bytes.length * 8);
  out[i >> 3] ^= 1 << (i & 7);
  return out;
}

/**
 * A fresh pair for any supported protocol, with random keys wherever the
 * pattern needs them (statics, pre-known statics, PSKs).
 */
export function randomPair(protocol: string): { initiator: Handshake; responder: Handshake } {
  const { pattern } = parseNoiseProtocol(protocol);
  const sends = (dir: "->" | "<-") =>
    pattern.messages.some((m) => m.direction === dir && m.tokens.includes("s"));
  const initiatorKey = pattern.initiatorPreMessage.length > 0 || sends("->")
    ? generateNoiseKeyPair()
    : undefined;
  const responderKey = pattern.responderPreMessage.length > 0 || sends("<-")
    ? generateNoiseKeyPair()
    : undefined;
  const psks = Array.from(
    { length: pattern.pskCount },
    () => crypto.getRandomValues(new Uint8Array(32)),
  );
  const initiator = Handshake.create({
    protocol,
    initiator: true,
    prologue: PROLOGUE,
    staticKey: initiatorKey,
    remoteStatic: pattern.responderPreMessage.length > 0 ? responderKey!.publicKey : undefined,
    psks,
  });
  const responder = Handshake.create({
    protocol,
    initiator: false,
    prologue: PROLOGUE,
    staticKey: responderKey,
    remoteStatic: pattern.initiatorPreMessage.length > 0 ? initiatorKey!.publicKey : undefined,
    psks,
  });
  return { initiator, responder };
}
