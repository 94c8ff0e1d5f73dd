/**
 * @module cbor_profile
 * The one CBOR profile mycel writes and reads, shared by the encoder
 * (cbor_encode.ts) and the decoder (cbor_decode.ts) so both sides agree on
 * every rule:
 *
 * - major types 0–5 and 7 only; no tags at all; definite lengths only;
 *   every head in its shortest form; no 64-bit heads (ai 27);
 * - numbers as the format mycel has always written them: integers in
 *   [-2^32, 2^32) as CBOR integers, every other finite number (fractions and
 *   integers outside that range, e.g. wall clocks in ms) as float64;
 *   `-0` is written as `0`; NaN and ±Infinity are not part of the profile;
 * - simple values false, true and null only (no undefined, no half or
 *   single floats);
 * - text is well-formed UTF-8 (lone surrogates are refused on both sides);
 * - maps have text keys only, no duplicates, no `__proto__`, in the order
 *   `Object.keys` gives back (so a decoded object re-encodes identically).
 *
 * Together: every input the decoder accepts re-encodes to exactly the same
 * bytes, and the encoder never writes what the decoder would refuse.
 */

/** Bounds on one decode; callers of small messages pass smaller ones. */
export interface CborLimits {
  /** Largest input accepted, in bytes. */
  readonly maxBytes: number;
  /** Deepest nesting of arrays and maps (a top-level array is depth 1). */
  readonly maxDepth: number;
  /** Most items (every value and map key counts one). */
  readonly maxNodes: number;
}

/**
 * Defaults. Depth 64 leaves room for an entry body (3 levels) around a config
 * value of the deepest JSON mycel accepts (32 levels). 2^20 nodes covers any
 * entry (at most 1 MiB, and every item takes at least one byte) and bounds
 * the heap a hostile message can make us build.
 */
export const DEFAULT_CBOR_LIMITS: CborLimits = Object.freeze({
  maxBytes: 1 << 24,
  maxDepth: 64,
  maxNodes: 1 << 20,
});

/** Thrown inside the codec; cbor.ts turns it into a MycelError. */
export class CborFailure extends Error {
  /** Byte offset the problem was found at (decoder only). */
  readonly at: number;
  /** The bound the value passed (encoder only), when that was the problem. */
  readonly bound?: keyof CborLimits;

  constructor(reason: string, at = -1, bound?: keyof CborLimits) {
    super(reason);
    this.at = at;
    if (bound !== undefined) this.bound = bound;
  }
}

/**
 * True when the encoder writes `n` (a finite number) as a CBOR integer:
 * the integers in [-2^32, 2^32), with `-0` counted as 0. Everything else
 * finite is written as float64, so a decoded float64 for which this is true
 * is not canonical.
 */
export function isCborInteger(n: number): boolean {
  return n >= -0x100000000 && n < 0x100000000 && Math.floor(n) === n;
}

/**
 * True when `key` may be a map key: a decoded `__proto__` key would set the
 * object's prototype instead of making a property.
 */
export function isAllowedKey(key: string): boolean {
  return key !== "__proto__";
}

/**
 * The array index `key` names (0 to 2^32 - 2 in canonical decimal), or -1.
 * A JS object lists such keys first, in ascending order, whatever order they
 * were set in; so a map whose keys come in any other order would not
 * re-encode to the same bytes.
 */
export function arrayIndexOf(key: string): number {
  const c = key.charCodeAt(0);
  if (!(c >= 0x30 && c <= 0x39) || key.length > 10 || (c === 0x30 && key.length > 1)) return -1;
  for (let i = 1; i < key.length; i++) {
    const d = key.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return -1;
  }
  const n = Number(key);
  return n <= 0xfffffffe ? n : -1;
}
