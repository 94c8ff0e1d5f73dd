/**
 * @module cbor
 * The one CBOR codec every mycel format uses (entries, ops, protocol
 * messages, key files, cards, pairing messages): mycel's own strict,
 * bounded profile (cbor_profile.ts) — no tags, definite lengths, shortest
 * heads, text-keyed maps, well-formed UTF-8 — so bytes from peers cannot
 * smuggle shared references, expansion bombs or alternative encodings.
 *
 * Byte-compatible with what mycel wrote through cbor-x before: entries are
 * hashed and signed as raw bytes, so the encoder reproduces those bytes
 * exactly, and every input the decoder accepts re-encodes to itself.
 * Failures are always a {@link MycelError} `bad_encoding`. Codecs on top
 * still validate the shape of what they decode.
 */

import { MycelError } from "../errors.ts";
import { decodeProfile } from "./cbor_decode.ts";
import { encodeProfile } from "./cbor_encode.ts";
import { CborFailure, type CborLimits, DEFAULT_CBOR_LIMITS } from "./cbor_profile.ts";

export { CborFailure, type CborLimits, DEFAULT_CBOR_LIMITS } from "./cbor_profile.ts";
export { arrayHead, bytesHead } from "./cbor_encode.ts";

/** Deepest nesting any caller may allow (it is the decoder's recursion depth). */
const HARD_MAX_DEPTH = 512;

/**
 * Encode `value` to CBOR; returns a fresh, unshared Uint8Array.
 * Accepts null, booleans, finite numbers, well-formed strings, Uint8Array,
 * arrays and plain objects (no `__proto__` key), within `limits` (each
 * omitted one is the default): those its reader decodes with.
 * @throws MycelError `bad_encoding` for anything else
 */
export function encodeCbor(value: unknown, limits?: Partial<CborLimits>): Uint8Array {
  try {
    return encodeProfile(value, boundsOf(limits));
  } catch (e) {
    throw new MycelError("bad_encoding", "encode CBOR", reason(e), { cause: e });
  }
}

/**
 * Decode exactly one CBOR item filling all of `bytes`.
 * @param what names the thing being decoded, for the error message
 * @param limits bounds for this call; each omitted one is the default
 * @throws MycelError `bad_encoding` saying what was wrong, with the offset
 */
export function decodeCbor(
  bytes: Uint8Array,
  what: string,
  limits?: Partial<CborLimits>,
): unknown {
  try {
    return decodeProfile(bytes, boundsOf(limits));
  } catch (e) {
    const at = e instanceof CborFailure && e.at >= 0 ? `byte ${e.at} of ` : "";
    const size = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new MycelError("bad_encoding", `decode ${what}`, reason(e), {
      value: `${at}${size}`,
      cause: e,
    });
  }
}

/** A caller's limits, each missing one the default; depth never past {@link HARD_MAX_DEPTH}. */
function boundsOf(limits: Partial<CborLimits> | undefined): CborLimits {
  return limits === undefined ? DEFAULT_CBOR_LIMITS : {
    maxBytes: bound(limits.maxBytes, DEFAULT_CBOR_LIMITS.maxBytes),
    maxDepth: Math.min(bound(limits.maxDepth, DEFAULT_CBOR_LIMITS.maxDepth), HARD_MAX_DEPTH),
    maxNodes: bound(limits.maxNodes, DEFAULT_CBOR_LIMITS.maxNodes),
  };
}

/** A caller's limit, or the default when it is missing or not a number ≥ 0. */
function bound(x: number | undefined, fallback: number): number {
  return typeof x === "number" && x >= 0 ? x : fallback;
}

function reason(e: unknown): string {
  if (e instanceof CborFailure) return e.message;
  // Not expected (the codec fails only with CborFailure); kept named, never stray.
  return `the codec failed: ${e instanceof Error ? e.message : String(e)}`;
}
