/**
 * @module cbor_encode
 * The CBOR encoder of mycel's profile (see cbor_profile.ts). Its bytes are
 * exactly those cbor-x 1.6 wrote for mycel (options tagUint8Array false,
 * useRecords false, variableMapSize true) for every value of the profile,
 * because entries already stored were hashed and signed as those bytes.
 * Anything outside the profile — undefined, NaN, Map, Date, a lone
 * surrogate, a `__proto__` key, nesting or size past the default limits — is
 * refused rather than written in a form a peer would reject.
 *
 * Not reentrant: one module-level buffer is reused across calls (encoding
 * never calls back into user code except through plain getters).
 */

import { encodeUtf8Into, utf8Length } from "./cbor_utf8.ts";
import { CborFailure, type CborLimits, isAllowedKey, isCborInteger } from "./cbor_profile.ts";
import { quotedText } from "../text_safety.ts";

const INITIAL = 8192;
let buf = new Uint8Array(INITIAL);
let pos = 0;
let nodes = 0;
/**
 * The bounds of the call in progress (the decoder's, so nothing is written a
 * peer would refuse): set by each {@link encodeProfile} before anything reads it.
 */
let limits: CborLimits;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(reason: string, bound?: keyof CborLimits): never {
  throw new CborFailure(reason, -1, bound);
}

/** Make room for `n` more bytes. */
function ensure(n: number): void {
  const need = pos + n;
  if (need <= buf.length) return;
  if (need > limits.maxBytes + 16) {
    fail(`the encoding would exceed ${limits.maxBytes} bytes`, "maxBytes");
  }
  const grown = new Uint8Array(Math.max(need, buf.length * 2));
  grown.set(buf.subarray(0, pos));
  buf = grown;
}

/** Shortest head for major type `major` and argument `n` (0 ≤ n < 2^32). */
function head(major: number, n: number): void {
  const m = major << 5;
  if (n < 24) {
    buf[pos++] = m | n;
  } else if (n < 0x100) {
    buf[pos++] = m | 24;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = m | 25;
    buf[pos++] = n >> 8;
    buf[pos++] = n & 0xff;
  } else if (n <= 0xffffffff) {
    buf[pos++] = m | 26;
    buf[pos++] = n >>> 24;
    buf[pos++] = (n >> 16) & 0xff;
    buf[pos++] = (n >> 8) & 0xff;
    buf[pos++] = n & 0xff;
  } else {
    fail("a length of 2^32 or more has no encoding");
  }
}

function headSize(n: number): number {
  return n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
}

function writeNumber(n: number): void {
  if (n >>> 0 === n) return head(0, n);
  if (isCborInteger(n)) return head(1, -1 - n);
  if (!Number.isFinite(n)) fail(`the number ${n} is not part of the profile`);
  f64[0] = n;
  buf[pos++] = 0xfb;
  for (let i = 0; i < 8; i++) buf[pos++] = f64Bytes[littleEndian ? 7 - i : i];
}

function writeText(s: string): void {
  const n = s.length;
  // Room for its head and a byte per code unit, the least it can take: past
  // the bound by that it is past for sure. Reserving 3 bytes a unit here (the
  // most) refused a text that fit, up to twice its length under the bound (a
  // checkpoint of 1 MB values refused short of 64 MiB, checkpoint_stepwise_test).
  ensure(5 + n);
  const start = pos;
  // ASCII, nearly every string mycel writes: its byte length is its length.
  let p = start + headSize(n);
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    buf[p++] = c;
  }
  if (i === n) {
    head(3, n);
    pos = p;
    return;
  }
  ensure(5 + utf8Length(s));
  const written = encodeUtf8Into(s, buf, start + 5);
  if (written < 0) fail("text holds a lone surrogate (not well-formed Unicode)");
  head(3, written);
  buf.copyWithin(pos, start + 5, start + 5 + written);
  pos += written;
}

function writeBytes(b: Uint8Array): void {
  ensure(5 + b.length);
  head(2, b.length);
  buf.set(b, pos);
  pos += b.length;
}

function countNode(): void {
  if (++nodes > limits.maxNodes) {
    fail(`more than ${limits.maxNodes} items`, "maxNodes");
  }
}

function writeValue(v: unknown, depth: number): void {
  countNode();
  ensure(9);
  switch (typeof v) {
    case "number":
      return writeNumber(v);
    case "string":
      return writeText(v);
    case "boolean":
      buf[pos++] = v ? 0xf5 : 0xf4;
      return;
    case "object":
      if (v === null) {
        buf[pos++] = 0xf6;
        return;
      }
      if (v instanceof Uint8Array) return writeBytes(v);
      if (depth >= limits.maxDepth) {
        fail(`nesting deeper than ${limits.maxDepth}`, "maxDepth");
      }
      if (Array.isArray(v)) {
        head(4, v.length);
        for (let i = 0; i < v.length; i++) writeValue(v[i], depth + 1);
        return;
      }
      return writeMap(v, depth + 1);
    default:
      fail(`a value of type ${typeof v} is not part of the profile`);
  }
}

function writeMap(v: object, depth: number): void {
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    fail(`a ${proto?.constructor?.name ?? "non-plain"} object is not part of the profile`);
  }
  const keys = Object.keys(v);
  head(5, keys.length);
  const record = v as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!isAllowedKey(key)) fail(`the map key ${quotedText(key)} is not allowed`);
    countNode();
    writeText(key);
    writeValue(record[key], depth);
  }
}

/**
 * Encode `value` within `bounds`; returns a fresh array owning its whole buffer.
 * @throws CborFailure when the value is outside the profile or the bounds
 */
export function encodeProfile(value: unknown, bounds: CborLimits): Uint8Array {
  pos = 0;
  nodes = 0;
  limits = bounds;
  try {
    writeValue(value, 0);
    if (pos > limits.maxBytes) {
      fail(`the encoding would exceed ${limits.maxBytes} bytes`, "maxBytes");
    }
    return buf.slice(0, pos);
  } finally {
    // Do not keep a huge buffer alive after one big value.
    if (buf.length > 1 << 20) buf = new Uint8Array(INITIAL);
  }
}

/**
 * The head of a CBOR array of `n` items: an array's bytes are this head,
 * then its items' bytes (log/checkpoint_stepwise.ts joins a list so, its
 * rows encoded a few at a time).
 */
export function arrayHead(n: number): Uint8Array {
  return headOf(4, n);
}

/** The head of a CBOR byte string of `n` bytes (its bytes follow it). */
export function bytesHead(n: number): Uint8Array {
  return headOf(2, n);
}

function headOf(major: number, n: number): Uint8Array {
  pos = 0;
  head(major, n);
  return buf.slice(0, pos);
}
