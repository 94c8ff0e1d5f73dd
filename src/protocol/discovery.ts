/**
 * @module discovery
 * LAN discovery packets (docs/discovery.md): a probe ("is any device of my
 * mesh on this link?") and its answers, one fixed-size UDP datagram each,
 * authenticated with a key only members hold and unlinkable for everyone
 * else. 44 bytes:
 *
 *     0   3  "myc"            constant: says "mycel", not whose
 *     3   1  kind             0x11 probe, 0x12 answer (version 1)
 *     4  12  nonce            random per probe round / per answer
 *    16  12  body, encrypted  sync port (u16 BE), reply port (u16 BE, 0 in
 *                             answers), device tag (8 bytes)
 *    28  16  MAC              HMAC-SHA256(mac key, bytes 0-27 [|| probe nonce])
 *
 * Keys change every {@link WINDOW_SECONDS}: encryption, MAC and tag keys are
 * HKDF-SHA256(mesh secret, salt "mycel discovery v1", info window number).
 * The body is XORed with HMAC(enc key, kind || nonce). The device tag is
 * HMAC(tag key, device id), truncated: members map it back to a device by
 * computing the tags of the devices they know; to anyone else the whole
 * packet past the first four bytes is random and differs every time. An
 * answer's MAC covers the probe's nonce, so an answer cannot be replayed to
 * another probe. Receivers try the window before, the current one and the
 * one after (clocks up to one window apart). Decoding is bounded (fixed
 * size, at most three MACs) and every accepted packet re-encodes to the
 * same bytes. Pure.
 */

import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, constantTimeEqual, toHex, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";

/** UDP port probes are sent to and responders listen on. */
export const DISCOVERY_PORT = 7850;
/** IPv6 group probes go to: all-nodes, which needs no membership (see docs/discovery.md). */
export const DISCOVERY_GROUP6 = "ff02::1";
/** Length of every packet. */
export const PACKET_BYTES = 44;
/** Length of a nonce. */
export const NONCE_BYTES = 12;
/** Length of a device tag. */
export const TAG_BYTES = 8;
/** Key rotation period. */
export const WINDOW_SECONDS = 300;
/** Shortest mesh secret accepted. */
export const MIN_SECRET_BYTES = 16;

const MAGIC = [0x6d, 0x79, 0x63];
const KIND = { probe: 0x11, answer: 0x12 } as const;
const MAC_BYTES = 16;
const BODY_AT = 16;
const MAC_AT = 28;

/** Which packet. */
export type PacketKind = keyof typeof KIND;

/** The keys of one time window. */
export interface WindowKeys {
  /** The window number (unix seconds / {@link WINDOW_SECONDS}). */
  window: number;
  /** Body encryption key. */
  enc: Uint8Array;
  /** MAC key. */
  mac: Uint8Array;
  /** Device tag key. */
  tag: Uint8Array;
}

/** What a packet says. */
export interface DiscoveryPacket {
  /** Probe or answer. */
  kind: PacketKind;
  /** Its nonce. */
  nonce: Uint8Array;
  /** The sender's TCP sync port (0: it does not accept sync). */
  syncPort: number;
  /** Probes: the UDP port answers go to. Answers: 0. */
  replyPort: number;
  /** The sender's device tag in this window. */
  tag: Uint8Array;
}

function bad(reason: string): MycelError {
  return new MycelError("bad_discovery", "read a discovery packet", reason);
}

/** The window number at `nowMs`. */
export function windowAt(nowMs: number): number {
  return Math.floor(nowMs / 1000 / WINDOW_SECONDS);
}

/** Keys of window `window` for mesh secret `secret`. */
export function windowKeys(secret: Uint8Array, window: number): WindowKeys {
  if (secret.length < MIN_SECRET_BYTES) {
    throw new MycelError("bad_key", "derive discovery keys", "the mesh secret is too short", {
      value: secret.length,
    });
  }
  const info = new Uint8Array(8);
  new DataView(info.buffer).setBigUint64(0, BigInt(window));
  const okm = hkdf(sha256, secret, utf8("mycel discovery v1"), info, 96);
  return { window, enc: okm.slice(0, 32), mac: okm.slice(32, 64), tag: okm.slice(64, 96) };
}

/** Keys a receiver tries at `nowMs`: the window before, this one, the one after. */
export function keyring(secret: Uint8Array, nowMs: number): WindowKeys[] {
  const w = windowAt(nowMs);
  return [w, w - 1, w + 1].map((x) => windowKeys(secret, x));
}

/** Device `deviceId`'s tag in the window of `keys`. */
export function deviceTag(keys: WindowKeys, deviceId: string): Uint8Array {
  return hmac(sha256, keys.tag, utf8(deviceId)).slice(0, TAG_BYTES);
}

/** Tag (hex) → device id, for `deviceIds` in the window of `keys`. */
export function tagMap(keys: WindowKeys, deviceIds: readonly string[]): Map<string, string> {
  return new Map(deviceIds.map((id) => [toHex(deviceTag(keys, id)), id]));
}

function keystream(keys: WindowKeys, kind: number, nonce: Uint8Array): Uint8Array {
  return hmac(sha256, keys.enc, concatBytes(Uint8Array.of(kind), nonce)).slice(0, 12);
}

function mac(keys: WindowKeys, head: Uint8Array, probeNonce?: Uint8Array): Uint8Array {
  const input = probeNonce ? concatBytes(head, probeNonce) : head;
  return hmac(sha256, keys.mac, input).slice(0, MAC_BYTES);
}

function checkPort(port: number, what: string, min: number): void {
  if (!Number.isInteger(port) || port < min || port > 65535) {
    throw new MycelError("bad_input", "write a discovery packet", `${what} must be ${min}-65535`, {
      value: String(port),
    });
  }
}

/**
 * Encode `p` with `keys`. An answer needs the nonce of the probe it answers.
 * Refuses what a receiver would refuse (sizes, ports).
 */
export function encodePacket(
  keys: WindowKeys,
  p: DiscoveryPacket,
  probeNonce?: Uint8Array,
): Uint8Array {
  if (p.nonce.length !== NONCE_BYTES || p.tag.length !== TAG_BYTES) {
    throw new MycelError(
      "bad_input",
      "write a discovery packet",
      "nonce or tag has the wrong size",
    );
  }
  checkPort(p.syncPort, "the sync port", 0);
  if (p.kind === "probe") checkPort(p.replyPort, "the reply port", 1);
  else if (p.replyPort !== 0) {
    throw new MycelError("bad_input", "write a discovery packet", "an answer's reply port is 0", {
      value: String(p.replyPort),
    });
  }
  if ((p.kind === "answer") !== (probeNonce?.length === NONCE_BYTES)) {
    throw new MycelError(
      "bad_input",
      "write a discovery packet",
      "an answer, and only an answer, names a probe",
    );
  }
  const kind = KIND[p.kind];
  const body = new Uint8Array(12);
  const view = new DataView(body.buffer);
  view.setUint16(0, p.syncPort);
  view.setUint16(2, p.replyPort);
  body.set(p.tag, 4);
  const ks = keystream(keys, kind, p.nonce);
  for (let i = 0; i < body.length; i++) body[i] ^= ks[i];
  const head = concatBytes(Uint8Array.from(MAGIC), Uint8Array.of(kind), p.nonce, body);
  return concatBytes(head, mac(keys, head, probeNonce));
}

/**
 * Decode `bytes` with the first of `keys` whose MAC matches. Answers are
 * only accepted for probe nonce `probeNonce`. Throws `bad_discovery` for
 * anything else (wrong size, magic or kind; no key fits; bad ports).
 */
export function decodePacket(
  bytes: Uint8Array,
  keys: readonly WindowKeys[],
  probeNonce?: Uint8Array,
): DiscoveryPacket & { window: number } {
  if (bytes.length !== PACKET_BYTES) throw bad(`it is ${bytes.length} bytes, not ${PACKET_BYTES}`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw bad("it is not a mycel packet");
  const kindByte = bytes[3];
  const kind = kindByte === KIND.probe ? "probe" : kindByte === KIND.answer ? "answer" : undefined;
  if (kind === undefined) throw bad("unknown kind or version");
  if (kind === "answer" && probeNonce === undefined) throw bad("an answer came with no probe out");
  const head = bytes.subarray(0, MAC_AT);
  const nonce = bytes.slice(4, BODY_AT);
  const k = keys.slice(0, 3).find((w) =>
    constantTimeEqual(
      mac(w, head, kind === "answer" ? probeNonce : undefined),
      bytes.subarray(MAC_AT),
    )
  );
  if (k === undefined) throw bad("it is not from this mesh, or not for this probe");
  const body = bytes.slice(BODY_AT, MAC_AT);
  const ks = keystream(k, kindByte, nonce);
  for (let i = 0; i < body.length; i++) body[i] ^= ks[i];
  const view = new DataView(body.buffer);
  const p = {
    kind,
    nonce,
    syncPort: view.getUint16(0),
    replyPort: view.getUint16(2),
    tag: body.slice(4),
    window: k.window,
  } as const;
  if (kind === "probe" ? p.replyPort === 0 : p.replyPort !== 0) {
    throw bad("its reply port is wrong");
  }
  return p;
}

/**
 * A stand-in mesh secret until the mesh carries a random one that is
 * replaced at every removal (docs/discovery.md): SHA-256 of a label and the
 * mesh id. Members have the mesh id and it never crosses the network outside
 * Noise, but `mesh card` prints it — weaker than the target, never secret
 * from a removed device.
 */
export function interimMeshSecret(meshId: string): Uint8Array {
  return sha256(concatBytes(utf8("mycel discovery"), utf8(meshId)));
}
