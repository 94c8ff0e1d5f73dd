/**
 * @module pairing_messages
 * Messages of the pairing protocol (see docs/pairing.md). In clear, before
 * any key exists: the joiner's CPace share (`pair`), the inviter's share or a
 * refusal (`pair-ok` / `refuse`), a wrong code's refusal in place of the
 * second Noise message, and after the handshake the inviter's verdict (`ok` /
 * `refuse`). `Noise_XXpsk1` mixes the code's key in at the end of the first
 * message, so neither side's static key travels before the code is proven;
 * the joiner's record rides in the third message. Inside the channel: both
 * sides' confirmation that the verification strings match (`confirm`), then
 * `welcome` (the joiner's admission entry, the inviter's record) and the
 * mesh's state as a signed checkpoint (`checkpoint` chunks). Every decoder
 * validates every field; failures are `bad_message` MycelErrors.
 */

import { asBytes, concatBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import { DeviceKey } from "../log/device_key.ts";
import { decodeDeviceRecord, type DeviceRecord, encodeDeviceFields } from "../log/device_record.ts";
import { isPeerText } from "./sync_fields.ts";

/** Version of the pairing protocol. */
export const PAIRING_PROTOCOL_VERSION = 2;
/** Noise prologue prefix; the CPace transcript is appended. */
export const PAIRING_PROLOGUE: Uint8Array = utf8("mycel/pair/2");

function bad(reason: string): MycelError {
  return new MycelError("bad_message", "read pairing message", reason, {
    hint:
      "The other side may run an incompatible mycel, or something on the path altered the data.",
  });
}

/**
 * One CBOR array led by its tag. The decoder accepts only the profile's
 * canonical form (log/cbor_decode.ts), so a message has one byte form.
 */
function decodeList(bytes: Uint8Array, what: string): unknown[] {
  let x: unknown;
  try {
    x = decodeCbor(bytes, what);
  } catch {
    throw bad(`${what} is not valid CBOR`);
  }
  if (!Array.isArray(x) || typeof x[0] !== "string") throw bad(`${what} is malformed`);
  return x;
}

function bytesOf(x: unknown, length: number | [number, number], what: string): Uint8Array {
  const b = asBytes(x);
  const [min, max] = typeof length === "number" ? [length, length] : length;
  if (b === undefined || b.length < min || b.length > max) throw bad(`${what} is malformed`);
  return b;
}

/** A refusal: stable code plus a message for the person. */
export interface Refusal {
  /** e.g. `expired`, `used`, `cancelled`, `wrong_code`, `busy`. */
  code: string;
  /** Shown to the joiner as is. */
  message: string;
}

function refusalOf(x: unknown[]): Refusal {
  const [, code, message] = x;
  if (typeof code !== "string" || !/^[a-z_]{1,32}$/.test(code)) throw bad("refusal code malformed");
  // Shown to the person as is, and it may come from anyone: terminal-safe text only.
  if (!isPeerText(message, 300)) throw bad("refusal message malformed");
  return { code, message };
}

/** Encode a refusal (`refuse`, code, message). */
export function encodeRefusal(r: Refusal): Uint8Array {
  return encodeCbor(["refuse", r.code, r.message.slice(0, 300)]);
}

/** The joiner's opening: session id and CPace share. */
export interface PairHello {
  /** Random session id (16 bytes). */
  sid: Uint8Array;
  /** CPace share Ya. */
  share: Uint8Array;
}

/** Encode the joiner's opening. */
export function encodePairHello(h: PairHello): Uint8Array {
  return encodeCbor(["pair", PAIRING_PROTOCOL_VERSION, h.sid, h.share]);
}

/** Decode the joiner's opening. */
export function decodePairHello(bytes: Uint8Array): PairHello {
  const x = decodeList(bytes, "pairing request");
  if (x[0] !== "pair" || x.length !== 4) throw bad("not a pairing request");
  if (x[1] !== PAIRING_PROTOCOL_VERSION) {
    throw bad(`unsupported pairing version ${String(x[1]).slice(0, 8)}`);
  }
  return { sid: bytesOf(x[2], 16, "session id"), share: bytesOf(x[3], 32, "key share") };
}

/** Encode the inviter's CPace share. */
export function encodePairAccept(share: Uint8Array): Uint8Array {
  return encodeCbor(["pair-ok", share]);
}

/** Decode the inviter's answer: its share, or a refusal. */
export function decodePairAnswer(bytes: Uint8Array): { share: Uint8Array } | { refusal: Refusal } {
  const x = decodeList(bytes, "pairing answer");
  if (x[0] === "refuse" && x.length === 3) return { refusal: refusalOf(x) };
  if (x[0] !== "pair-ok" || x.length !== 2) throw bad("not a pairing answer");
  return { share: bytesOf(x[1], 32, "key share") };
}

/** Encode the inviter's verdict after the handshake (`ok` or a refusal). */
export function encodeVerdict(refusal?: Refusal): Uint8Array {
  return refusal ? encodeRefusal(refusal) : encodeCbor(["ok"]);
}

/**
 * A refusal sent in clear where a Noise message was due, or undefined when
 * `bytes` is not one (then it is the Noise message).
 */
export function refusalInstead(bytes: Uint8Array): Refusal | undefined {
  if (bytes.length === 0 || (bytes[0] & 0xe0) !== 0x80) return undefined; // not a CBOR array
  try {
    const x = decodeCbor(bytes, "pairing message");
    return Array.isArray(x) && x[0] === "refuse" && x.length === 3 ? refusalOf(x) : undefined;
  } catch {
    return undefined;
  }
}

/** Encode one side's answer to "same verification string on both screens?". */
export function encodeConfirm(yes: boolean): Uint8Array {
  return encodeCbor(["confirm", yes]);
}

/** Decode a confirmation. */
export function decodeConfirm(bytes: Uint8Array): boolean {
  const x = decodeList(bytes, "confirmation");
  if (x[0] !== "confirm" || x.length !== 2 || typeof x[1] !== "boolean") {
    throw bad("not a confirmation");
  }
  return x[1];
}

/** Encode one chunk of the mesh's checkpoint. */
export function encodeStateChunk(chunk: Uint8Array, last: boolean): Uint8Array {
  return encodeCbor(["state", chunk, last]);
}

/** Decode one chunk of the mesh's checkpoint. */
export function decodeStateChunk(bytes: Uint8Array): { chunk: Uint8Array; last: boolean } {
  const x = decodeList(bytes, "state chunk");
  if (x[0] !== "state" || x.length !== 3 || typeof x[2] !== "boolean") {
    throw bad("not a state chunk");
  }
  return { chunk: bytesOf(x[1], [0, 1 << 20], "state chunk"), last: x[2] };
}

/**
 * A message of the mesh's state in parts (for a state over one checkpoint's
 * 64 MiB: src/log/checkpoint_parts.ts): a chunk of its signed head
 * (`state-head`) or of a part (`state-part`), `last` ending that head or
 * part; `state-end` after the last part. A release before parts reads none
 * of these and says the other side may run an incompatible mycel.
 * `state-wait`, before the head or between parts, says the inviter is still
 * making them: it resets the joiner's read deadline, not the whole state's
 * (src/sync/pairing_state_time.ts).
 */
export type StatePiece =
  | { kind: "state" | "state-head" | "state-part"; chunk: Uint8Array; last: boolean }
  | { kind: "state-end" }
  | { kind: "state-wait" };

/** Encode a chunk of a state in parts. */
export function encodeStatePiece(
  kind: "state-head" | "state-part",
  chunk: Uint8Array,
  last: boolean,
): Uint8Array {
  return encodeCbor([kind, chunk, last]);
}

/** Encode the end of a state in parts. */
export function encodeStateEnd(): Uint8Array {
  return encodeCbor(["state-end"]);
}

/**
 * Encode "still making the parts": sent by an inviter that has sent nothing
 * for a while (a slow device cutting a large state), so the joiner's read
 * deadline does not run out while it works. No inviter sends it since
 * 2026-12-07: a joiner of the last release (12bb500) refuses it ("not a
 * state chunk"), so the inviter cuts its parts before its yes instead
 * (sync/pairing_attempt.ts); joiners still take it.
 */
export function encodeStateWait(): Uint8Array {
  return encodeCbor(["state-wait"]);
}

/** Decode a message of the mesh's state: a checkpoint chunk, or a piece of one in parts. */
export function decodeStatePiece(bytes: Uint8Array): StatePiece {
  const x = decodeList(bytes, "state chunk");
  if (x[0] === "state-end" && x.length === 1) return { kind: "state-end" };
  if (x[0] === "state-wait" && x.length === 1) return { kind: "state-wait" };
  if (
    (x[0] !== "state" && x[0] !== "state-head" && x[0] !== "state-part") || x.length !== 3 ||
    typeof x[2] !== "boolean"
  ) {
    throw bad("not a state chunk");
  }
  return { kind: x[0], chunk: bytesOf(x[1], [0, 1 << 20], "state chunk"), last: x[2] };
}

/** Decode the verdict: undefined when accepted, else the refusal. */
export function decodeVerdict(bytes: Uint8Array): Refusal | undefined {
  const x = decodeList(bytes, "pairing verdict");
  if (x[0] === "ok" && x.length === 1) return undefined;
  if (x[0] === "refuse" && x.length === 3) return refusalOf(x);
  throw bad("not a pairing verdict");
}

function recordOf(key: unknown, fields: unknown): DeviceRecord {
  try {
    return decodeDeviceRecord(DeviceKey.of(bytesOf(key, 32, "device key")), fields);
  } catch (e) {
    if (e instanceof MycelError && e.code === "bad_message") throw e;
    // A bad endpoint or address is a MycelError of its own: still a bad message.
    const reason = e instanceof Error ? e.message.replace(/^Cannot [^:]*: /, "") : String(e);
    throw bad(`device record malformed: ${reason}`);
  }
}

/** What the joiner tells the inviter inside the handshake. */
export interface JoinerInfo {
  /** The joiner's record (its ipv4 is assigned by the inviter). */
  record: DeviceRecord;
  /** Ed25519 signature over {@link bindingMessage}: proves it owns its id. */
  proof: Uint8Array;
  /** The mesh its home belongs to now ("" for a brand-new device). */
  mesh: string;
  /** Members of that mesh, itself included (1 when alone). */
  members: number;
}

function meshOf(x: unknown, allowEmpty: boolean): string {
  if (typeof x !== "string" || (!(allowEmpty && x === "") && !/^[a-z0-9-]{1,64}$/.test(x))) {
    throw bad("mesh id malformed");
  }
  return x;
}

/** Encode the joiner's handshake payload. */
export function encodeJoinerInfo(info: JoinerInfo): Uint8Array {
  return encodeCbor([
    "joiner",
    info.record.key.bytes,
    encodeDeviceFields(info.record),
    info.proof,
    info.mesh,
    info.members,
  ]);
}

/** Decode the joiner's handshake payload. */
export function decodeJoinerInfo(bytes: Uint8Array): JoinerInfo {
  const x = decodeList(bytes, "joiner record");
  if (x[0] !== "joiner" || x.length !== 6) throw bad("not a joiner record");
  if (!Number.isSafeInteger(x[5]) || (x[5] as number) < 1) throw bad("member count malformed");
  return {
    record: recordOf(x[1], x[2]),
    proof: bytesOf(x[3], 64, "proof"),
    mesh: meshOf(x[4], true),
    members: x[5] as number,
  };
}

/** What the joiner signs: binds its device id to this session and its Noise key. */
export function bindingMessage(sid: Uint8Array, noiseKey: Uint8Array): Uint8Array {
  return concatBytes(utf8("mycel/pair/bind/v1\0"), sid, noiseKey);
}

/** The inviter's first channel message. */
export interface Welcome {
  /** The signed entry admitting the joiner. */
  admission: Uint8Array;
  /** The mesh joined. */
  mesh: string;
  /** The inviter's device record. */
  inviter: DeviceRecord;
}

/** Encode the welcome. */
export function encodeWelcome(w: Welcome): Uint8Array {
  return encodeCbor([
    "welcome",
    w.admission,
    w.mesh,
    w.inviter.key.bytes,
    encodeDeviceFields(w.inviter),
  ]);
}

/** Decode the welcome. */
export function decodeWelcome(bytes: Uint8Array): Welcome {
  const x = decodeList(bytes, "welcome");
  if (x[0] !== "welcome" || x.length !== 5) throw bad("not a welcome");
  return {
    admission: bytesOf(x[1], [1, 1 << 20], "admission entry"),
    mesh: meshOf(x[2], false),
    inviter: recordOf(x[3], x[4]),
  };
}

/**
 * Short string both screens show after the handshake: 8 digits from the
 * handshake hash, which both sides share only if no one sat in the middle.
 */
export function verificationString(handshakeHash: Uint8Array): string {
  const n = new DataView(handshakeHash.buffer, handshakeHash.byteOffset, 8).getUint32(0) %
    100_000_000;
  const digits = n.toString().padStart(8, "0");
  return `${digits.slice(0, 4)}-${digits.slice(4)}`;
}
