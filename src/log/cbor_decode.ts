/**
 * @module cbor_decode
 * The strict, bounded CBOR decoder of mycel's profile (see
 * cbor_profile.ts). It accepts exactly what cbor_encode.ts writes: anything
 * else — a tag, an indefinite length, a non-shortest head, a float64 that
 * should have been an integer, an unknown simple value, invalid UTF-8, a
 * non-text, duplicate, `__proto__` or out-of-order map key, trailing bytes —
 * is refused with a reason. So every accepted input re-encodes to itself.
 *
 * Bounded: input size, nesting depth (recursion is never deeper than
 * `maxDepth`) and item count; a declared length is checked against the bytes
 * left before anything is allocated, so a header claiming 2^32 items costs
 * nothing. Every item takes at least one byte, so the decoded value is at
 * most linear in the input: without tags there are no shared references and
 * no expansion.
 *
 * Byte strings come back as views into the input (copy what you keep).
 * Maps come back as plain objects. Not reentrant (module-level cursor).
 */

import { arrayIndexOf, CborFailure, type CborLimits, isAllowedKey } from "./cbor_profile.ts";
import { cachedKey, float64At, rememberKey } from "./cbor_scalars.ts";
import { decodeUtf8 } from "./cbor_utf8.ts";
import { quotedText } from "../text_safety.ts";

const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let srcBuffer: ArrayBufferLike = EMPTY.buffer;
let srcOffset = 0;
let pos = 0;
let end = 0;
let nodes = 0;
let maxNodes = 0;
let maxDepth = 0;

function fail(reason: string, at = pos): never {
  throw new CborFailure(reason, at);
}

function need(n: number): void {
  if (n > end - pos) fail(`it is truncated (${n} bytes declared, ${end - pos} left)`);
}

const SIMPLE: Record<number, string> = {
  23: "undefined is not allowed",
  24: "simple values are not allowed",
  25: "half-precision floats are not allowed",
  26: "single-precision floats are not allowed",
  28: "reserved additional information 28",
  29: "reserved additional information 29",
  30: "reserved additional information 30",
  31: "a break code outside an indefinite-length item",
};

/** The argument of a head whose additional information is `ai` ≥ 24, in shortest form. */
function arg(ai: number): number {
  const p = pos;
  let v: number;
  if (ai === 24) {
    if (p + 1 > end) need(1);
    v = src[p];
    pos = p + 1;
    if (v < 24) fail("a head is not in its shortest form", p - 1);
  } else if (ai === 25) {
    if (p + 2 > end) need(2);
    v = (src[p] << 8) | src[p + 1];
    pos = p + 2;
    if (v < 0x100) fail("a head is not in its shortest form", p - 1);
  } else if (ai === 26) {
    if (p + 4 > end) need(4);
    v = ((src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3]) >>> 0;
    pos = p + 4;
    if (v < 0x10000) fail("a head is not in its shortest form", p - 1);
  } else if (ai === 27) {
    fail("64-bit heads are not allowed (mycel writes large numbers as float64)", p - 1);
  } else if (ai === 31) {
    fail("indefinite lengths are not allowed", p - 1);
  } else {
    fail(`reserved additional information ${ai}`, p - 1);
  }
  return v;
}

function readFloat64(): number {
  const p = pos;
  if (p + 8 > end) need(8);
  const n = float64At(src, p);
  pos = p + 8;
  // NaN and ±Infinity are not in the profile; integers in [-2^32, 2^32) are
  // written as integers (isCborInteger, inlined: this is a hot path).
  if (n - n !== 0) fail(`the float ${n} is not allowed`, p - 1);
  if (n >= -0x100000000 && n < 0x100000000 && Math.floor(n) === n) {
    fail(`the integer ${n} is written as a float64`, p - 1);
  }
  return n;
}

function readText(n: number): string {
  need(n);
  const start = pos;
  pos += n;
  const s = decodeUtf8(src, start, pos);
  if (s === undefined) fail("text is not valid UTF-8", start);
  return s;
}

function readTag(ai: number): never {
  const at = pos - 1;
  let tag = "";
  try {
    tag = ` ${ai < 24 ? ai : arg(ai)}`;
  } catch {
    // the tag number itself is malformed; the tag is refused either way
  }
  fail(`tag${tag} is not allowed`, at);
}

function readItem(depth: number): unknown {
  if (pos >= end) fail("it is truncated");
  const ib = src[pos++];
  const ai = ib & 31;
  const major = ib >> 5;
  if (major === 7) {
    if (ai === 27) return readFloat64();
    if (ai === 20) return false;
    if (ai === 21) return true;
    if (ai === 22) return null;
    return fail(SIMPLE[ai] ?? `simple value ${ai} is not allowed`, pos - 1);
  }
  if (major === 6) return readTag(ai);
  const n = ai < 24 ? ai : arg(ai);
  switch (major) {
    case 0:
      return n;
    case 1:
      return -1 - n;
    case 2: {
      if (n > end - pos) need(n);
      // The constructor is several times cheaper than subarray() in V8.
      const view = new Uint8Array(srcBuffer, srcOffset + pos, n);
      pos += n;
      return view;
    }
    case 3:
      return readText(n);
    case 4:
      return readArray(n, depth + 1);
    default:
      return readMap(n, depth + 1);
  }
}

/**
 * Check a container of `items` items (keys count) at `depth`, and count them
 * against the node limit before any of them is read.
 */
function enter(items: number, depth: number): void {
  if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
  // Every item takes at least one byte: refuse impossible counts before allocating.
  if (items > end - pos) fail(`it is truncated (${items} items declared)`);
  if (items > maxNodes - nodes) fail(`it has more than ${maxNodes} items`);
  nodes += items;
}

function readArray(n: number, depth: number): unknown[] {
  enter(n, depth);
  const out = new Array(n);
  for (let i = 0; i < n; i++) out[i] = readItem(depth);
  return out;
}

function readKey(): string {
  if (pos >= end) fail("it is truncated");
  const ib = src[pos++];
  if (ib >> 5 !== 3) fail("map keys must be text", pos - 1);
  const n = ib & 31;
  if (n >= 24) return readText(arg(n));
  need(n);
  const known = cachedKey(src, pos, n);
  if (known !== undefined) {
    pos += n;
    return known;
  }
  const key = readText(n);
  rememberKey(src, pos - n, n, key);
  return key;
}

function readMap(n: number, depth: number): Record<string, unknown> {
  enter(2 * n, depth);
  const out: Record<string, unknown> = {};
  let lastIndex = -1;
  let named = false;
  for (let i = 0; i < n; i++) {
    const at = pos;
    const key = readKey();
    if (!isAllowedKey(key)) fail(`the map key ${quotedText(key)} is not allowed`, at);
    if (Object.hasOwn(out, key)) fail(`the map key ${quotedText(key)} is repeated`, at);
    // Any other order than the one a JS object keeps would re-encode differently.
    const index = arrayIndexOf(key);
    if (index < 0) {
      named = true;
    } else if (named || index < lastIndex) {
      fail("map keys are not in the order a JS object keeps", at);
    } else {
      lastIndex = index;
    }
    out[key] = readItem(depth);
  }
  return out;
}

/**
 * Decode the one item that fills `bytes`.
 * @throws CborFailure naming what is wrong and where
 */
export function decodeProfile(bytes: Uint8Array, limits: CborLimits): unknown {
  if (!(bytes instanceof Uint8Array)) throw new CborFailure("the input is not bytes");
  if (bytes.length > limits.maxBytes) {
    throw new CborFailure(`it is larger than ${limits.maxBytes} bytes`);
  }
  src = bytes;
  srcBuffer = bytes.buffer;
  srcOffset = bytes.byteOffset;
  pos = 0;
  end = bytes.length;
  nodes = 1;
  maxNodes = limits.maxNodes;
  maxDepth = limits.maxDepth;
  if (maxNodes < 1) throw new CborFailure("it has more than 0 items");
  try {
    const value = readItem(0);
    if (pos !== end) fail(`${end - pos} bytes follow the item`);
    return value;
  } finally {
    src = EMPTY; // do not keep the caller's bytes alive
    srcBuffer = EMPTY.buffer;
  }
}
