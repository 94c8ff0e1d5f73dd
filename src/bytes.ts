/**
 * @module bytes
 * Small byte helpers shared by every layer (pure; no I/O).
 */

/** Concatenate byte arrays into a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Byte-wise equality (not constant time; use for public data only). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time equality for secrets of equal, public length. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Lexicographic comparison: negative, zero or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.length - b.length;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

// The built-in encoder where the runtime has it: one flat string, where the
// loop below builds a rope of 31 pieces for a 32-byte id, later flattened
// (chunk ids are made from bytes by the hundred thousand in `folder status`).
const nativeToHex = (Uint8Array.prototype as unknown as { toHex?: (this: Uint8Array) => string })
  .toHex;

/** Lower-case hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  if (nativeToHex !== undefined) return nativeToHex.call(bytes);
  let s = "";
  for (const b of bytes) s += HEX[b];
  return s;
}

/** Parse hex (either case); throws `RangeError` on odd length or bad digits. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new RangeError("hex string has odd length");
  // The built-in parser where the runtime has it (chunk ids are parsed by the thousand).
  const native = (Uint8Array as unknown as { fromHex?: (s: string) => Uint8Array }).fromHex;
  if (native !== undefined && /^[0-9a-fA-F]*$/.test(hex)) return native(hex);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const byte = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(byte) || !/^[0-9a-fA-F]{2}$/.test(hex.slice(2 * i, 2 * i + 2))) {
      throw new RangeError("hex string has a non-hex digit");
    }
    out[i] = byte;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** UTF-8 encode. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Strict UTF-8 decode; throws `TypeError` on invalid input. */
export function fromUtf8(b: Uint8Array): string {
  return decoder.decode(b);
}

/** Overwrite a secret buffer with zeros (best effort). */
export function wipe(b: Uint8Array): void {
  b.fill(0);
}

/**
 * Free a buffer `node:crypto` or WebCrypto just made for us, once its bytes
 * are copied out (a decrypted frame once the assembler holds a copy, an
 * encrypted one once the connection does). Such output is memory the
 * runtime allocated outside V8's heap, which V8 neither counts toward its
 * next young collection nor frees before a full one: at 16 frames a MiB, a
 * transfer piled up to 64 MiB of dead frames between collections, and the
 * allocator kept those pages afterwards. Detaching the buffer (a transfer
 * to length 0) frees it at once. Only a buffer the bytes fill alone is ours
 * to detach (both AEADs return a fresh one).
 */
export function freeNow(bytes: Uint8Array): void {
  const b = bytes.buffer;
  if (
    b instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === b.byteLength &&
    b.byteLength > 0
  ) b.transfer(0);
}

/** Standard base64 with padding (WireGuard's key format). */
export function toBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/** Unpadded base64url (JWK's format). */
export function toBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * Strict base64 decode (either alphabet, padding optional).
 * Throws `SyntaxError` on anything that is not base64.
 */
export function fromBase64(text: string): Uint8Array {
  const url = /[-_]/.test(text);
  return Uint8Array.fromBase64(text, {
    alphabet: url ? "base64url" : "base64",
    lastChunkHandling: "loose",
  });
}

/**
 * View `b` as backed by a plain ArrayBuffer, as WebCrypto's types demand.
 * mycel never uses SharedArrayBuffer, so this is only a type-level cast.
 */
export function plain(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>;
}

/**
 * A decoded byte string as a plain Uint8Array, or undefined when `x` is not
 * bytes (decoders may hand back a Buffer view).
 */
export function asBytes(x: unknown): Uint8Array | undefined {
  if (!(x instanceof Uint8Array)) return undefined;
  return x.constructor === Uint8Array ? x : new Uint8Array(x);
}

/** True when `text` contains a C0 control character or DEL. */
export function hasControlChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
