/**
 * @module entry
 * Log entries: `{author, seq, prev, hlc, ops[]}` signed once by the author.
 *
 * Wire form (CBOR): `[body, signature]` where `body` is the byte string of
 * `[1, authorKey, seq, prev|null, wall, counter, [op, ...]]` and the signature
 * is Ed25519 over `"mycel/entry/v1\0" || body`. Keeping the body as bytes
 * means the exact signed bytes travel and are stored unchanged. An entry's
 * hash (SHA-256 of its wire form) is what the next entry's `prev` points at.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { asBytes, concatBytes, utf8 } from "../bytes.ts";
import { type Hlc, MAX_HLC_COUNTER } from "../crdt/hlc.ts";
import { isMycelError, MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "./cbor.ts";
import { DeviceKey } from "./device_key.ts";
import { type Signer, verifySignature } from "./identity.ts";
import { decodeOp, encodeOp, type Op } from "./ops.ts";

/** Largest encoded entry accepted from anyone. */
export const MAX_ENTRY_BYTES = 1 << 20;
/** Most ops one entry may carry. */
export const MAX_OPS_PER_ENTRY = 10_000;
/** Largest HLC counter an entry may carry; keeps hostile stamps from exhausting ours. */
export const MAX_COUNTER = MAX_HLC_COUNTER;
const VERSION = 1;
const CONTEXT = utf8("mycel/entry/v1\0");

/** The content of an entry. */
export interface Entry {
  /** The author. */
  readonly author: DeviceKey;
  /** Position in the author's log, from 1. */
  readonly seq: number;
  /** Hash of the author's previous entry; null for seq 1. */
  readonly prev: Uint8Array | null;
  /** When the author made it (node = the author's key in hex). */
  readonly hlc: Hlc;
  /** The changes, applied in order. */
  readonly ops: readonly Op[];
}

/** An entry with its exact signed bytes and hash. */
export interface SignedEntry {
  /** Decoded content. */
  readonly entry: Entry;
  /** The wire form `[body, signature]`, exactly as signed and stored. */
  readonly bytes: Uint8Array;
  /** SHA-256 of `bytes`. */
  readonly hash: Uint8Array;
  /** The signed body (for verification). */
  readonly body: Uint8Array;
  /** The Ed25519 signature over the body. */
  readonly signature: Uint8Array;
}

/**
 * True when `bytes` is the canonical CBOR of `[body, signature]`: a 2-array
 * header, the shortest byte-string header for the body, the body, then
 * `0x58 0x40` and the 64-byte signature. Checked on the bytes instead of by
 * re-encoding, which would cost as much as the rest of decoding.
 */
function isCanonicalWrapper(bytes: Uint8Array, bodyLength: number): boolean {
  const head = bodyLength < 24 ? 1 : bodyLength < 0x100 ? 2 : bodyLength < 0x10000 ? 3 : 5;
  if (bytes.length !== 1 + head + bodyLength + 2 + 64 || bytes[0] !== 0x82) return false;
  const h = bytes.subarray(1, 1 + head);
  const n = bodyLength;
  const expected = head === 1
    ? [0x40 | n]
    : head === 2
    ? [0x58, n]
    : head === 3
    ? [0x59, n >> 8, n & 255]
    : [0x5a, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  if (!expected.every((b, i) => h[i] === b)) return false;
  const sigHead = 1 + head + bodyLength;
  return bytes[sigHead] === 0x58 && bytes[sigHead + 1] === 0x40;
}

/** hash-wasm's SHA-256, once {@link loadEntryHasher} loaded it. */
let wasmSha256: ((bytes: Uint8Array) => Uint8Array) | undefined;
let loading: Promise<void> | undefined;

/**
 * Load a WebAssembly SHA-256 (about twice as fast per entry as the JS one)
 * for large batches; until it is loaded, or if it cannot be, the JS one
 * hashes. Both give the same digest. Loaded on demand: it costs a few
 * milliseconds that a command reading one entry should not pay.
 */
export function loadEntryHasher(): Promise<void> {
  loading ??= import("hash-wasm").then(async ({ createSHA256 }) => {
    const h = await createSHA256();
    wasmSha256 = (bytes) => {
      h.init();
      h.update(bytes);
      return h.digest("binary");
    };
  }).catch(() => {});
  return loading;
}

/** Hash of an entry's wire form. */
export function hashEntryBytes(bytes: Uint8Array): Uint8Array {
  return wasmSha256 === undefined ? sha256(bytes) : wasmSha256(bytes);
}

function tooLarge(size: string): MycelError {
  return new MycelError("entry_too_large", "write log entry", "the change is too large", {
    value: `${size}, limit ${MAX_ENTRY_BYTES}`,
    hint: "One change holds at most 1 MiB: set large values in parts, or keep large data " +
      "in a synced folder (`mycel folder add`). Nothing was changed.",
  });
}

/** Build and sign an entry by `signer`. */
export async function createEntry(
  signer: Signer,
  fields: { seq: number; prev: Uint8Array | null; hlc: Hlc; ops: readonly Op[] },
): Promise<SignedEntry> {
  const body = entryBody(signer, fields);
  const entry = signedEntry(body, await signer.sign(concatBytes(CONTEXT, body)));
  // WebCrypto signs even with a mismatched key pair; never publish an entry
  // nobody could verify.
  if (!(await verifyEntrySignature(entry))) {
    throw new MycelError("bad_key", "sign log entry", "the device's key pair does not match", {
      hint: "The key file is damaged; restore it from a backup or re-pair this machine.",
    });
  }
  return entry;
}

/**
 * {@link createEntry} without a turn of the event loop: for a home's own
 * entries, signed inside its write transaction (sign_now.ts, which refuses
 * a key pair whose halves do not match).
 */
export function createEntryNow(
  signer: { readonly publicKey: Uint8Array; signNow(message: Uint8Array): Uint8Array },
  fields: { seq: number; prev: Uint8Array | null; hlc: Hlc; ops: readonly Op[] },
): SignedEntry {
  const body = entryBody(signer, fields);
  return signedEntry(body, signer.signNow(concatBytes(CONTEXT, body)));
}

/** The body of an entry to sign, refused when too large. */
function entryBody(
  signer: { readonly publicKey: Uint8Array },
  fields: { seq: number; prev: Uint8Array | null; hlc: Hlc; ops: readonly Op[] },
): Uint8Array {
  // A change of more ops than any device decodes (a large `config import`)
  // is refused as too large, as one of too many bytes is: it was signed
  // first, then refused by our own decoder as a malformed entry.
  if (fields.ops.length > MAX_OPS_PER_ENTRY) {
    throw new MycelError("entry_too_large", "write log entry", "the change is too large", {
      value: `${fields.ops.length} changes, limit ${MAX_OPS_PER_ENTRY}`,
      hint: `One change holds at most ${MAX_OPS_PER_ENTRY} changes (keys, apps): ` +
        "give them in parts. Nothing was changed.",
    });
  }
  let body: Uint8Array;
  try {
    body = encodeCbor([
      VERSION,
      signer.publicKey,
      fields.seq,
      fields.prev,
      fields.hlc.wall,
      fields.hlc.counter,
      fields.ops.map(encodeOp),
    ]);
  } catch (e) {
    // Far past the entry limit (a 100 MB value): the encoder's own cap trips
    // first; it is the same "too large", not a failure to report.
    if (isMycelError(e, "bad_encoding") && /would exceed/.test(e.message)) {
      throw tooLarge("over 16 MiB");
    }
    throw e;
  }
  return body;
}

/** The entry of `body` signed with `signature`, checked as a peer would decode it. */
function signedEntry(body: Uint8Array, signature: Uint8Array): SignedEntry {
  const bytes = encodeCbor([body, signature]);
  if (bytes.length > MAX_ENTRY_BYTES) throw tooLarge(`${bytes.length} bytes`);
  return decodeSignedEntry(bytes);
}

function malformed(reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_entry", "read log entry", reason, { cause });
}

/**
 * Decode an entry's wire form and check its shape (not its signature).
 * `hash`: the SHA-256 of exactly these bytes when it was already computed
 * (by this process, on another thread: storage/entry_hashes.ts), never a
 * hash a peer sent.
 * @throws MycelError `bad_entry` with the reason
 */
export function decodeSignedEntry(bytes: Uint8Array, hash?: Uint8Array): SignedEntry {
  if (bytes.length > MAX_ENTRY_BYTES) throw malformed(`it is larger than ${MAX_ENTRY_BYTES} bytes`);
  let outer: unknown;
  try {
    outer = decodeCbor(bytes, "log entry");
  } catch (e) {
    throw malformed("it is not valid CBOR", e);
  }
  if (!Array.isArray(outer) || outer.length !== 2) throw malformed("it is not [body, signature]");
  const body = asBytes(outer[0]);
  const signature = asBytes(outer[1]);
  if (body === undefined || signature?.length !== 64) {
    throw malformed("body or signature malformed");
  }
  // One entry has one byte form: a re-wrapped copy would hash differently
  // and look like a fork, though its signature still verifies.
  if (!isCanonicalWrapper(bytes, body.length)) throw malformed("its encoding is not canonical");
  let fields: unknown;
  try {
    fields = decodeCbor(body, "log entry body");
  } catch (e) {
    throw malformed("its body is not valid CBOR", e);
  }
  if (!Array.isArray(fields) || fields.length !== 7) throw malformed("body must have 7 fields");
  const [version, keyRaw, seq, prevRaw, wall, counter, opsRaw] = fields;
  if (version !== VERSION) {
    throw malformed(`unsupported entry version ${String(version).slice(0, 8)}`);
  }
  const authorKey = asBytes(keyRaw);
  if (authorKey?.length !== 32) throw malformed("author key must be 32 bytes");
  if (!Number.isSafeInteger(seq) || seq < 1) throw malformed("seq must be a positive integer");
  const prev = prevRaw === null ? null : asBytes(prevRaw);
  if (prev === undefined || (prev !== null && prev.length !== 32)) {
    throw malformed("prev must be a 32-byte hash");
  }
  if ((seq === 1) !== (prev === null)) throw malformed("only the first entry has no prev");
  if (
    !Number.isSafeInteger(wall) || wall < 0 || !Number.isSafeInteger(counter) || counter < 0 ||
    counter > MAX_COUNTER
  ) {
    throw malformed("hlc must be a wall time and a counter below 2^32");
  }
  if (!Array.isArray(opsRaw) || opsRaw.length === 0 || opsRaw.length > MAX_OPS_PER_ENTRY) {
    throw malformed(`ops must be a list of 1–${MAX_OPS_PER_ENTRY}`);
  }
  let ops: Op[];
  try {
    ops = opsRaw.map(decodeOp);
  } catch (e) {
    throw malformed(`an op is invalid: ${e instanceof Error ? e.message : e}`, e);
  }
  const author = DeviceKey.of(authorKey);
  // A device's record changes only through entries it signs itself: an
  // update of another device's fields is refused as a whole, everywhere.
  if (ops.some((op) => op.type === "device.update" && op.device !== author)) {
    throw new MycelError(
      "foreign_update",
      "read log entry",
      "it changes another device's record (only a device may change its own)",
    );
  }
  const entry: Entry = { author, seq, prev, hlc: { wall, counter, node: author.hex }, ops };
  return { entry, bytes, hash: hash ?? hashEntryBytes(bytes), body, signature };
}

/** True when the entry's signature is valid for its author key. */
export function verifyEntrySignature(e: SignedEntry): Promise<boolean> {
  return verifySignature(e.entry.author.bytes, concatBytes(CONTEXT, e.body), e.signature);
}
