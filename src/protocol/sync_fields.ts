/**
 * @module sync_fields
 * Limits of the sync protocol and the field checks its codecs share. Every
 * byte a peer sends is untrusted, so each decoded field is checked for type,
 * size and count here, and any violation becomes one {@link MycelError} with
 * code `bad_message` naming the field — never a stray TypeError. The encoders
 * run the same checks, so we can never send what a peer would refuse.
 */

import { asBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { hasUnsafeText } from "../text_safety.ts";
import { decodeCbor } from "../log/cbor.ts";
import { MAX_ENTRY_BYTES } from "../log/entry.ts";

/** The sync protocol version this mycel speaks (docs/sync_protocol.md). */
export const SYNC_PROTOCOL_VERSION = 2;
/** Largest application message (CBOR bytes, without its length prefix). */
export const MAX_SYNC_MESSAGE: number = 4 << 20;
/**
 * Noise prologue for sync handshakes: binds the protocol name into the keys.
 * Unchanged since version 1, so an older peer completes the handshake and
 * reads our version from the hello (and is told to update).
 */
export const SYNC_PROLOGUE: Uint8Array = utf8("mycel/sync/1");
/** Most heads one `heads` message may carry (a peer sends as many messages as it needs). */
export const MAX_HEADS = 2048;
/** Most authors a peer may list in all its `heads` messages of one session. */
export const MAX_AUTHORS = 100_000;
/** Most entries one `entries` message may carry. */
export const MAX_BATCH_ENTRIES = 1024;
/** Most admission entries a hello may carry. */
export const MAX_ADMISSION_ENTRIES = 16;
/** Longest refusal or error message, in UTF-16 code units. */
export const MAX_ERROR_TEXT = 500;

const MESH_RE = /^[a-z0-9-]{1,64}$/;
const CODE_RE = /^[a-z_]{1,64}$/;

/** Direction of a codec call: reading peer bytes or writing our own. */
export type Direction = "read" | "write";

/** The one error every malformed field becomes. */
export function badMessage(reason: string, dir: Direction = "read", cause?: unknown): MycelError {
  return new MycelError("bad_message", `${dir} sync message`, reason, { cause });
}

/**
 * Decode one CBOR item, turning size and encoding failures into `bad_message`.
 * The decoder accepts only the profile's canonical encoding (shortest heads,
 * definite lengths, no floats for integers, sorted keys: log/cbor_decode.ts),
 * so every message has one byte form and whatever we accept re-encodes to
 * exactly the bytes received.
 */
export function decodeTop(bytes: Uint8Array, what: string): unknown {
  if (!(bytes instanceof Uint8Array)) throw badMessage(`the ${what} is not bytes`);
  if (bytes.length > MAX_SYNC_MESSAGE) {
    throw badMessage(`the ${what} is ${bytes.length} bytes, over the ${MAX_SYNC_MESSAGE} limit`);
  }
  try {
    return decodeCbor(bytes, what);
  } catch (e) {
    throw badMessage(`the ${what} is not valid CBOR`, "read", e);
  }
}

/** `raw` as an array of exactly `length` items (or at least, when `atLeast`). */
export function expectArray(
  raw: unknown,
  what: string,
  length: number,
  dir: Direction,
  atLeast = false,
): unknown[] {
  if (!Array.isArray(raw)) throw badMessage(`the ${what} is not a CBOR array`, dir);
  if (atLeast ? raw.length < length : raw.length !== length) {
    throw badMessage(`the ${what} has ${raw.length} fields, expected ${length}`, dir);
  }
  return raw;
}

/** A copy of a byte string of exactly `length` bytes (copied: decoded bytes view the input). */
export function expectFixedBytes(
  raw: unknown,
  field: string,
  length: number,
  dir: Direction,
): Uint8Array {
  const b = asBytes(raw);
  if (b?.length !== length) throw badMessage(`${field} must be ${length} bytes`, dir);
  return b.slice();
}

/** A list of `min`–`max` raw entries, each 1–MAX_ENTRY_BYTES, copied out of the input. */
export function expectEntryList(
  raw: unknown,
  field: string,
  min: number,
  max: number,
  dir: Direction,
): Uint8Array[] {
  if (!Array.isArray(raw)) throw badMessage(`${field} must be a list of byte strings`, dir);
  if (raw.length < min || raw.length > max) {
    throw badMessage(`${field} must hold ${min}–${max} entries, not ${raw.length}`, dir);
  }
  const out: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = asBytes(raw[i]);
    if (b === undefined || b.length === 0 || b.length > MAX_ENTRY_BYTES) {
      throw badMessage(`${field}[${i}] must be 1–${MAX_ENTRY_BYTES} bytes`, dir);
    }
    total += b.length;
    if (total > MAX_SYNC_MESSAGE) {
      throw badMessage(`${field} exceed ${MAX_SYNC_MESSAGE} bytes`, dir);
    }
    out.push(b.slice());
  }
  return out;
}

/** A positive (or, with `zero`, non-negative) safe integer. */
export function expectCount(raw: unknown, field: string, dir: Direction, zero = false): number {
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < (zero ? 0 : 1)) {
    throw badMessage(`${field} must be a ${zero ? "non-negative" : "positive"} integer`, dir);
  }
  return raw;
}

/** A mesh name: 1–64 characters of a-z, 0-9 and `-`. */
export function expectMesh(raw: unknown, dir: Direction): string {
  if (typeof raw !== "string" || !MESH_RE.test(raw)) {
    throw badMessage("mesh must be 1–64 characters of a-z, 0-9 and -", dir);
  }
  return raw;
}

/** An error code: 1–64 characters of a-z and `_`. */
export function expectCode(raw: unknown, dir: Direction): string {
  if (typeof raw !== "string" || !CODE_RE.test(raw)) {
    throw badMessage("code must be 1–64 characters of a-z and _", dir);
  }
  return raw;
}

/**
 * True when `raw` is human text a peer may show us: at most `max` UTF-16
 * code units, well-formed, and nothing the one terminal-safety check
 * (src/text_safety.ts) would escape: no C0, DEL, C1 or bidi controls.
 */
export function isPeerText(raw: unknown, max: number): raw is string {
  return typeof raw === "string" && raw.length <= max && raw.isWellFormed() && !hasUnsafeText(raw);
}

/** Human text from a peer: bounded, well-formed and free of control characters (terminal safety). */
export function expectText(raw: unknown, dir: Direction): string {
  if (!isPeerText(raw, MAX_ERROR_TEXT)) {
    throw badMessage(`message must be text of at most ${MAX_ERROR_TEXT} characters`, dir);
  }
  return raw;
}
