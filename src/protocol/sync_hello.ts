/**
 * @module sync_hello
 * The payloads of the two Noise_IK handshake messages. They carry as little
 * as possible: the responder identifies the initiator by the static key the
 * handshake proved, so the hello names no mesh and no device, and a refusal
 * to someone who is not a member is one generic sentence (no mesh id, no
 * names, nothing that says whether a key was ever known). Heads and entries
 * travel after the handshake, in the encrypted stream.
 *
 * Wire forms (CBOR arrays):
 * - hello: `[version, [admissionEntry, ...]]` — a device admitted so recently
 *   that the responder may not know yet shows the signed admission;
 * - accepted reply: `[true, version]`;
 * - refusal: `[false, code, message]` — version-free on purpose, so a peer of
 *   any version can read why it was turned away.
 * The version is read first, so a peer speaking another version gets
 * `version_mismatch` and a hint to update, never "bad message".
 */

import { MycelError } from "../errors.ts";
import { encodeCbor } from "../log/cbor.ts";
import {
  badMessage,
  decodeTop,
  type Direction,
  expectArray,
  expectCode,
  expectCount,
  expectEntryList,
  expectText,
  MAX_ADMISSION_ENTRIES,
  SYNC_PROTOCOL_VERSION,
} from "./sync_fields.ts";

/** The initiator's handshake payload. */
export interface Hello {
  /** Always {@link SYNC_PROTOCOL_VERSION} once decoded. */
  readonly version: number;
  /** 0–16 raw signed entries that admitted the sender. */
  readonly admission: readonly Uint8Array[];
}

/** The responder's handshake payload. */
export type HelloReply =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** What every non-member is told. */
export const GENERIC_REFUSAL = {
  code: "not_accepted",
  message: "this device does not accept your device",
} as const;

/** The version error for a peer speaking `version`. */
export function versionMismatch(version: number): MycelError {
  return new MycelError(
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

function checkVersion(raw: unknown, dir: Direction): number {
  const version = expectCount(raw, "version", dir, true);
  if (version === SYNC_PROTOCOL_VERSION) return version;
  if (dir === "write") throw badMessage(`version must be ${SYNC_PROTOCOL_VERSION}`, dir);
  throw versionMismatch(version);
}

/** Encode the initiator's hello. */
export function encodeHello(hello: Hello): Uint8Array {
  const w = "write";
  return encodeCbor([
    checkVersion(hello.version, w),
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
  const [, admission] = expectArray(raw, "hello", 2, "read");
  return {
    version,
    admission: expectEntryList(admission, "admission", 0, MAX_ADMISSION_ENTRIES, "read"),
  };
}

/** Encode the responder's reply. */
export function encodeHelloReply(reply: HelloReply): Uint8Array {
  const w = "write";
  if (reply.ok === true) return encodeCbor([true, checkVersion(reply.version, w)]);
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
  expectArray(raw, "hello reply", 2, "read");
  return { ok: true, version };
}
