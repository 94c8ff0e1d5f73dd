/**
 * @module sync_hello
 * The hellos carried in the two Noise handshake payloads. The initiator's
 * hello (message 1) says who it is and what it has; the responder answers
 * with its own (message 2) or refuses with a reason. Heads travel here so
 * both sides can start sending entries as soon as the handshake ends.
 *
 * Wire forms (CBOR arrays):
 * - hello: `[version, mesh, deviceKey, heads, [admissionEntry, ...]]`
 * - accepted reply: `[true, version, mesh, deviceKey, heads]`
 * - refusal: `[false, code, message]` — version-free on purpose, so a peer of
 *   any version can read why it was turned away.
 *
 * The version is read before anything else, so a newer peer whose hello has
 * another shape gets "version mismatch" rather than "bad message".
 */

import { isMycelError, MycelError } from "../errors.ts";
import { encodeCbor } from "../log/cbor.ts";
import { type DeviceId, deviceIdFromKey, parseDeviceId } from "../log/device_id.ts";
import {
  badMessage,
  decodeTop,
  type Direction,
  expectArray,
  expectCode,
  expectCount,
  expectEntryList,
  expectFixedBytes,
  expectMesh,
  expectText,
  MAX_ADMISSION_ENTRIES,
  SYNC_PROTOCOL_VERSION,
} from "./sync_fields.ts";
import { type Heads, headsFromWire, headsToWire } from "./sync_heads.ts";

/** The initiator's handshake payload. */
export interface Hello {
  /** Always {@link SYNC_PROTOCOL_VERSION} once decoded. */
  readonly version: number;
  /** Mesh name: 1–64 characters of a-z, 0-9 and `-`. */
  readonly mesh: string;
  /** The sender's device id. */
  readonly device: DeviceId;
  /** What the sender holds. */
  readonly heads: Heads;
  /** 0–16 raw signed entries a new device shows to prove it was admitted. */
  readonly admission: readonly Uint8Array[];
}

/** The responder's handshake payload: its own hello, or a refusal. */
export type HelloReply =
  | {
    readonly ok: true;
    readonly version: number;
    readonly mesh: string;
    readonly device: DeviceId;
    readonly heads: Heads;
  }
  | { readonly ok: false; readonly code: string; readonly message: string };

function checkVersion(raw: unknown, dir: Direction): number {
  const version = expectCount(raw, "version", dir, true);
  if (version === SYNC_PROTOCOL_VERSION) return version;
  if (dir === "write") throw badMessage(`version must be ${SYNC_PROTOCOL_VERSION}`, dir);
  throw new MycelError(
    "version_mismatch",
    "sync with peer",
    `peer speaks sync protocol version ${version}, this mycel speaks ${SYNC_PROTOCOL_VERSION}`,
    {
      hint: version > SYNC_PROTOCOL_VERSION
        ? "Update mycel on this device: the peer runs a newer release."
        : "Update mycel on the peer: it runs an older release.",
    },
  );
}

function deviceKey(device: unknown): Uint8Array {
  if (typeof device !== "string") throw badMessage("device must be a device id", "write");
  try {
    return parseDeviceId(device).publicKey;
  } catch (e) {
    if (!isMycelError(e)) throw e;
    throw badMessage("device must be a device id", "write", e);
  }
}

function readDevice(raw: unknown): DeviceId {
  return deviceIdFromKey(expectFixedBytes(raw, "device", 32, "read"));
}

/** Encode the initiator's hello; checks every field as the peer will. */
export function encodeHello(hello: Hello): Uint8Array {
  const w = "write";
  return encodeCbor([
    checkVersion(hello.version, w),
    expectMesh(hello.mesh, w),
    deviceKey(hello.device),
    headsToWire(hello.heads, w),
    expectEntryList(hello.admission, "admission", 0, MAX_ADMISSION_ENTRIES, w),
  ]);
}

/**
 * Decode the initiator's hello.
 * @throws MycelError `version_mismatch` for another version, else `bad_message`
 */
export function decodeHello(bytes: Uint8Array): Hello {
  const raw = expectArray(decodeTop(bytes, "hello"), "hello", 1, "read", true);
  const version = checkVersion(raw[0], "read");
  const [, mesh, device, heads, admission] = expectArray(raw, "hello", 5, "read");
  return {
    version,
    mesh: expectMesh(mesh, "read"),
    device: readDevice(device),
    heads: headsFromWire(heads),
    admission: expectEntryList(admission, "admission", 0, MAX_ADMISSION_ENTRIES, "read"),
  };
}

/** Encode the responder's reply (hello or refusal). */
export function encodeHelloReply(reply: HelloReply): Uint8Array {
  const w = "write";
  if (reply.ok === true) {
    return encodeCbor([
      true,
      checkVersion(reply.version, w),
      expectMesh(reply.mesh, w),
      deviceKey(reply.device),
      headsToWire(reply.heads, w),
    ]);
  }
  if (reply.ok !== false) throw badMessage("ok must be true or false", w);
  return encodeCbor([false, expectCode(reply.code, w), expectText(reply.message, w)]);
}

/**
 * Decode the responder's reply.
 * @throws MycelError `version_mismatch` for another version, else `bad_message`
 */
export function decodeHelloReply(bytes: Uint8Array): HelloReply {
  const raw = expectArray(decodeTop(bytes, "hello reply"), "hello reply", 1, "read", true);
  if (raw[0] === false) {
    const [, code, message] = expectArray(raw, "refusal", 3, "read");
    return { ok: false, code: expectCode(code, "read"), message: expectText(message, "read") };
  }
  if (raw[0] !== true) throw badMessage("the hello reply must start with true or false");
  expectArray(raw, "hello reply", 2, "read", true);
  const version = checkVersion(raw[1], "read");
  const [, , mesh, device, heads] = expectArray(raw, "hello reply", 5, "read");
  return {
    ok: true,
    version,
    mesh: expectMesh(mesh, "read"),
    device: readDevice(device),
    heads: headsFromWire(heads),
  };
}
