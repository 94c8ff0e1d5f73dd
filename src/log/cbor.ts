/**
 * @module cbor
 * The one CBOR configuration every mycel codec uses: byte strings are plain
 * CBOR byte strings (no typed-array tags), no record extension, and decoding
 * is strict — the whole input must be one item, and anything malformed is a
 * {@link MycelError} rather than a stray exception. Codecs on top of this
 * validate the shape of what they decode: bytes from peers are untrusted.
 */

import { Decoder, Encoder } from "cbor-x/encode";
import { MycelError } from "../errors.ts";

const encoder = new Encoder({
  tagUint8Array: false,
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
});
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true });

/** Encode `value` to CBOR; returns a fresh, unshared Uint8Array. */
export function encodeCbor(value: unknown): Uint8Array {
  const out = encoder.encode(value);
  return new Uint8Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/**
 * Decode exactly one CBOR item filling all of `bytes`.
 * @param what names the thing being decoded, for the error message
 */
export function decodeCbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decoder.decode(bytes);
  } catch (e) {
    throw new MycelError("bad_encoding", `decode ${what}`, "it is not valid CBOR", {
      value: `${bytes.length} bytes`,
      cause: e,
    });
  }
}
