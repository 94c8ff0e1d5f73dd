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

import { decodeUtf8 } from "./cbor_utf8.ts";
import { CborFailure, type CborLimits, isAllowedKey, isCborInteger } from "./cbor_profile.ts";

const EMPTY = new Uint8Array(0);
let src: Uint8Array = EMPTY;
let pos = 0;
let end = 0;
let nodes = 0;
let maxNodes = 0;
let maxDepth = 0;

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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

/** The argument of a head whose additional information is `ai`, in shortest form. */
function arg(ai: number): number {
  if (ai < 24) return ai;
  let v: number;
  if (ai === 24) {
    need(1);
    v = src[pos++];
    if (v < 24) fail("a head is not in its shortest form", pos - 2);
  } else if (ai === 25) {
    need(2);
    v = (src[pos] << 8) | src[pos + 1];
    pos += 2;
    if (v < 0x100) fail("a head is not in its shortest form", pos - 3);
  } else if (ai === 26) {
    need(4);
    v = src[pos] * 0x1000000 + ((src[pos + 1] << 16) | (src[pos + 2] << 8) | src[pos + 3]);
    pos += 4;
    if (v < 0x10000) fail("a head is not in its shortest form", pos - 5);
  } else if (ai === 27) {
    fail("64-bit heads are not allowed (mycel writes large numbers as float64)", pos - 1);
  } else if (ai === 31) {
    fail("indefinite lengths are not allowed", pos - 1);
  } else {
    fail(`reserved additional information ${ai}`, pos - 1);
  }
  return v;
}

function readFloat64(): number {
  need(8);
  for (let i = 0; i < 8; i++) f64Bytes[littleEndian ? 7 - i : i] = src[pos + i];
  pos += 8;
  const n = f64[0];
  if (!Number.isFinite(n)) fail(`the float ${n} is not allowed`, pos - 9);
  if (isCborInteger(n)) fail(`the integer ${n} is written as a float64`, pos - 9);
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
    tag = ` ${arg(ai)}`;
  } catch {
    // the tag number itself is malformed; the tag is refused either way
  }
  fail(`tag${tag} is not allowed`, at);
}

function readItem(depth: number): unknown {
  if (++nodes > maxNodes) fail(`it has more than ${maxNodes} items`);
  if (pos >= end) fail("it is truncated");
  const ib = src[pos++];
  const ai = ib & 31;
  switch (ib >> 5) {
    case 0:
      return arg(ai);
    case 1:
      return -1 - arg(ai);
    case 2: {
      const n = arg(ai);
      need(n);
      return src.subarray(pos, pos += n);
    }
    case 3:
      return readText(arg(ai));
    case 4:
      return readArray(arg(ai), depth + 1);
    case 5:
      return readMap(arg(ai), depth + 1);
    case 6:
      return readTag(ai);
    default:
      if (ai === 20) return false;
      if (ai === 21) return true;
      if (ai === 22) return null;
      if (ai === 27) return readFloat64();
      return fail(SIMPLE[ai] ?? `simple value ${ai} is not allowed`, pos - 1);
  }
}

function enter(n: number, perItem: number, depth: number): void {
  if (depth > maxDepth) fail(`nesting deeper than ${maxDepth}`);
  // Every item takes at least one byte: refuse impossible counts before allocating.
  if (n * perItem > end - pos) fail(`it is truncated (${n * perItem} items declared)`);
  if (n * perItem > maxNodes - nodes) fail(`it has more than ${maxNodes} items`);
}

function readArray(n: number, depth: number): unknown[] {
  enter(n, 1, depth);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(readItem(depth));
  return out;
}

function readKey(): string {
  if (++nodes > maxNodes) fail(`it has more than ${maxNodes} items`);
  if (pos >= end) fail("it is truncated");
  const ib = src[pos++];
  if (ib >> 5 !== 3) fail("map keys must be text", pos - 1);
  return readText(arg(ib & 31));
}

function readMap(n: number, depth: number): Record<string, unknown> {
  enter(n, 2, depth);
  const out: Record<string, unknown> = {};
  const keys: string[] = [];
  let numeric = false;
  for (let i = 0; i < n; i++) {
    const at = pos;
    const key = readKey();
    if (!isAllowedKey(key)) fail(`the map key ${JSON.stringify(key)} is not allowed`, at);
    if (Object.hasOwn(out, key)) fail(`the map key ${JSON.stringify(key)} is repeated`, at);
    const c = key.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) numeric = true;
    keys.push(key);
    out[key] = readItem(depth);
  }
  // Integer-like keys come back first and sorted in JS; any other order
  // would re-encode differently, so it is not canonical.
  if (numeric) {
    const back = Object.keys(out);
    for (let i = 0; i < n; i++) {
      if (back[i] !== keys[i]) fail("map keys are not in the order a JS object keeps");
    }
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
  pos = 0;
  end = bytes.length;
  nodes = 0;
  maxNodes = limits.maxNodes;
  maxDepth = limits.maxDepth;
  try {
    const value = readItem(0);
    if (pos !== end) fail(`${end - pos} bytes follow the item`);
    return value;
  } finally {
    src = EMPTY; // do not keep the caller's bytes alive
  }
}
