/**
 * @module cbor_scalars
 * Small pure helpers of the CBOR decoder's hot path, kept apart so the
 * decoder reads as its grammar: a float64 from its big-endian bytes, and a
 * cache of recent short map keys (field names repeat across items and
 * calls, so a repeated key costs a byte compare instead of a new string).
 * Neither validates anything: the decoder does.
 */

const f64 = new Float64Array(1);
const f64Words = new Int32Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The float64 whose big-endian bytes are `s[p, p + 8)`, assembled from two
 * 32-bit words in host order (cheaper than making a DataView of the input
 * for the one or two floats an entry holds).
 */
export function float64At(s: Uint8Array, p: number): number {
  const hi = (s[p] << 24) | (s[p + 1] << 16) | (s[p + 2] << 8) | s[p + 3];
  const lo = (s[p + 4] << 24) | (s[p + 5] << 16) | (s[p + 6] << 8) | s[p + 7];
  if (littleEndian) {
    f64Words[1] = hi;
    f64Words[0] = lo;
  } else {
    f64Words[0] = hi;
    f64Words[1] = lo;
  }
  return f64[0];
}

const KEY_SLOTS = 4096;
const keyBytes: (Uint8Array | undefined)[] = new Array(KEY_SLOTS);
const keyStrings: string[] = new Array(KEY_SLOTS);

function slotOf(s: Uint8Array, p: number, n: number): number {
  let h = n;
  for (let i = 0; i < n; i++) h = (h * 31 + s[p + i]) | 0;
  return (h ^ (h >>> 12)) & (KEY_SLOTS - 1);
}

/** The string remembered for the key bytes `s[p, p + n)`, if any. */
export function cachedKey(s: Uint8Array, p: number, n: number): string | undefined {
  const slot = slotOf(s, p, n);
  const known = keyBytes[slot];
  if (known === undefined || known.length !== n) return undefined;
  for (let i = 0; i < n; i++) if (known[i] !== s[p + i]) return undefined;
  return keyStrings[slot];
}

/** Remember that the bytes `s[p, p + n)` decode to `key`. */
export function rememberKey(s: Uint8Array, p: number, n: number, key: string): void {
  const slot = slotOf(s, p, n);
  keyBytes[slot] = s.slice(p, p + n);
  keyStrings[slot] = key;
}
