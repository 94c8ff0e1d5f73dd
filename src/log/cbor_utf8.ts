/**
 * @module cbor_utf8
 * Strict UTF-8 for the CBOR codec. Decoding accepts exactly well-formed
 * UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF) and keeps a leading U+FEFF, so a decoded string re-encodes to
 * the same bytes. Short strings — nearly every string mycel writes — are
 * decoded here in JS, which is several times cheaper than a call into
 * `TextDecoder`; long ones go to the engine's fatal decoder.
 */

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const fromCharCode = String.fromCharCode;

/** Byte strings longer than this are decoded by `TextDecoder`. */
const SHORT = 64;

/** Units of the short string being decoded; reused (decoding is not reentrant). */
const units = new Uint16Array(SHORT);

/**
 * ASCII `s[a, a + n)` for n < 16, or undefined when a byte is not ASCII.
 * One `fromCharCode` call with the bytes as arguments makes a flat string
 * with no intermediate array or concatenation (the shortest, most common
 * lengths pass them one by one).
 */
function shortAscii(s: Uint8Array, a: number, n: number): string | undefined {
  let any = 0;
  for (let i = a; i < a + n; i++) any |= s[i];
  if (any >= 0x80) return undefined;
  switch (n) {
    case 0:
      return "";
    case 1:
      return fromCharCode(s[a]);
    case 2:
      return fromCharCode(s[a], s[a + 1]);
    case 3:
      return fromCharCode(s[a], s[a + 1], s[a + 2]);
    case 4:
      return fromCharCode(s[a], s[a + 1], s[a + 2], s[a + 3]);
    case 5:
      return fromCharCode(s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4]);
    case 6:
      return fromCharCode(s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4], s[a + 5]);
    case 7:
      return fromCharCode(s[a], s[a + 1], s[a + 2], s[a + 3], s[a + 4], s[a + 5], s[a + 6]);
    default:
      // 8–15 bytes: the same single call, with the bytes passed as an array-like.
      return fromCharCode.apply(null, s.subarray(a, a + n) as unknown as number[]);
  }
}

/**
 * Decode `src[start, end)` as strict UTF-8; undefined when it is not
 * well-formed.
 */
export function decodeUtf8(src: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n < 16) {
    const ascii = shortAscii(src, start, n);
    if (ascii !== undefined) return ascii;
  } else if (n > SHORT) {
    try {
      return fatal.decode(src.subarray(start, end));
    } catch {
      return undefined;
    }
  }
  let i = start;
  let u = 0;
  while (i < end) {
    const a = src[i++];
    if (a < 0x80) {
      units[u++] = a;
      continue;
    }
    if (a < 0xc2 || a > 0xf4) return undefined;
    if (a < 0xe0) {
      if (i >= end) return undefined;
      const b = src[i++];
      if ((b & 0xc0) !== 0x80) return undefined;
      units[u++] = ((a & 0x1f) << 6) | (b & 0x3f);
      continue;
    }
    if (a < 0xf0) {
      if (i + 1 >= end) return undefined;
      const b = src[i++], c = src[i++];
      // E0 needs A0–BF (no overlong form); ED needs 80–9F (no surrogate).
      const lo = a === 0xe0 ? 0xa0 : 0x80, hi = a === 0xed ? 0x9f : 0xbf;
      if (b < lo || b > hi || (c & 0xc0) !== 0x80) return undefined;
      units[u++] = ((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f);
      continue;
    }
    if (i + 2 >= end) return undefined;
    const b = src[i++], c = src[i++], d = src[i++];
    // F0 needs 90–BF (no overlong form); F4 needs 80–8F (nothing past U+10FFFF).
    const lo = a === 0xf0 ? 0x90 : 0x80, hi = a === 0xf4 ? 0x8f : 0xbf;
    if (b < lo || b > hi || (c & 0xc0) !== 0x80 || (d & 0xc0) !== 0x80) return undefined;
    const cp = (((a & 0x07) << 18) | ((b & 0x3f) << 12) | ((c & 0x3f) << 6) | (d & 0x3f)) -
      0x10000;
    units[u++] = 0xd800 | (cp >> 10);
    units[u++] = 0xdc00 | (cp & 0x3ff);
  }
  return u === 0 ? "" : fromCharCode.apply(null, units.subarray(0, u) as unknown as number[]);
}

/**
 * Bytes of the UTF-8 of `s`: what {@link encodeUtf8Into} needs room for. A
 * surrogate counts 2 (a pair is 4; a lone one is refused before any write).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return n;
}

/**
 * UTF-8 of `s` written into `out` at `at` (room for {@link utf8Length}
 * bytes is the caller's job); returns the byte count, or -1 when `s` holds a lone
 * surrogate (which has no UTF-8 form).
 */
export function encodeUtf8Into(s: string, out: Uint8Array, at: number): number {
  if (!s.isWellFormed()) return -1;
  return encoder.encodeInto(s, out.subarray(at)).written;
}
