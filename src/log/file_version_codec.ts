/**
 * @module file_version_codec
 * The strict codec of a file version (file_version.ts), the payload of a
 * `files` op in a log entry.
 *
 * Wire form (CBOR array):
 * `[1, path, kind, mtime, modifiedByKey, vv, ...]` then, by kind,
 * file (0): `size, exec, [0, id, len, id, len, ...]` (inline) or
 * `size, exec, [1, rootId, chunkCount]`; symlink (1): `target`; deleted (2):
 * nothing, or the 32-byte digest of the content it deleted (written only
 * when known: deletions made before it existed still decode). Decoding is
 * strict: the input must be exactly the encoding of what it decodes to, so
 * one version has one byte form.
 */

import { NEWER_RELEASE } from "./newer_release.ts";
import { asBytes, bytesEqual, fromHex, toHex } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "./cbor.ts";
import { deviceIdFromKey, parseDeviceId } from "./device_id.ts";
import { chunkListProblem, decodeChunkList, encodeChunkList } from "./chunk_list_codec.ts";
import {
  type FileVersion,
  fileVersionProblem,
  MAX_FILE_VERSION_BYTES,
  type RegularFileVersion,
} from "./file_version.ts";
import { decodeVv, encodeVv, toSafeInteger } from "./version_vector.ts";

const VERSION = 1;
const KIND_CODES = { file: 0, symlink: 1, deleted: 2 } as const;
const KINDS = ["file", "symlink", "deleted"] as const;

function bad(reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_file_version", "read file version", reason, { cause });
}

// Encoding what this device made: the action says so and the value names the
// path (before, a vector too wide read "Cannot read file version: …" with no
// path, as if a peer's bytes were at fault).
function badOut(v: FileVersion, reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_file_version", "write file version", reason, {
    cause,
    ...(typeof v.path === "string" ? { value: v.path } : {}),
  });
}

/**
 * Encode a version.
 * @throws MycelError `bad_file_version` for anything a decoder would refuse
 */
export function encodeFileVersion(v: FileVersion): Uint8Array {
  // A version is encoded several times on its way (op, entry, fold, index):
  // versions are immutable, so the bytes are remembered per object.
  const known = encoded.get(v);
  if (known !== undefined) return known;
  const problem = fileVersionProblem(v);
  if (problem !== undefined) throw badOut(v, problem);
  let vv: unknown[];
  try {
    vv = encodeVv(v.vv);
  } catch (e) {
    throw badOut(v, e instanceof Error ? e.message : String(e), e);
  }
  const head = [
    VERSION,
    v.path,
    KIND_CODES[v.kind],
    v.mtime,
    parseDeviceId(v.modifiedBy).publicKey,
    vv,
  ];
  let tail: unknown[] = [];
  if (v.kind === "file") {
    tail = [v.size, v.exec, encodeChunkList(v.chunks)];
  } else if (v.kind === "symlink") {
    tail = [v.target];
  } else if (v.deletedContent !== undefined) {
    tail = [fromHex(v.deletedContent)];
  }
  const bytes = encodeCbor([...head, ...tail]);
  if (bytes.length > MAX_FILE_VERSION_BYTES) throw badOut(v, "the encoded version is too large");
  encoded.set(v, bytes);
  return bytes;
}

const encoded = new WeakMap<FileVersion, Uint8Array>();

/**
 * Head byte of a count as mycel's CBOR profile writes it, by the bytes it
 * takes in all: the shortest unsigned integer below 2^32, a float64 above
 * (cbor_encode.ts).
 */
const COUNT_HEADS: readonly [number, (head: number) => boolean][] = [
  [1, (h) => h <= 0x17],
  [2, (h) => h === 0x18],
  [3, (h) => h === 0x19],
  [5, (h) => h === 0x1a],
  [9, (h) => h === 0xfb],
];

/**
 * False when the encoded version `bytes` surely names no manifest tree; true
 * when it may (then decode it to know). A file's chunk list is its last
 * field, and the strict decoder takes only the canonical form, so a version
 * naming a manifest ends with `[1, <32-byte root>, count]`: 0x83 0x01 0x58
 * 0x20, the root, then the count as the profile writes it. The blob
 * sweep (sync/blob_sweep.ts) reads every version of every folder right
 * after a first sync's plan decoded them all: decoding 5,000 versions again
 * there (each re-encoded, the strictness check) was 90–120 ms before the
 * first chunk is asked for, to find the five that name a manifest.
 */
export function mayNameManifest(bytes: Uint8Array): boolean {
  const n = bytes.length;
  for (const [len, isHead] of COUNT_HEADS) {
    const at = n - len - 36;
    if (
      at >= 0 && bytes[at] === 0x83 && bytes[at + 1] === 0x01 && bytes[at + 2] === 0x58 &&
      bytes[at + 3] === 0x20 && isHead(bytes[n - len])
    ) return true;
  }
  return false;
}

/**
 * Decode a version from a peer.
 * @throws MycelError `bad_file_version` naming what is wrong
 */
export function decodeFileVersion(bytes: Uint8Array): FileVersion {
  return decodeVersion(bytes, true);
}

/**
 * Decode a version read back from this home's own tables (the folder state,
 * the file index): its bytes passed {@link decodeFileVersion} when they came
 * in, or are this device's own encoding, so the check that they are the
 * canonical form (a re-encode, about two thirds of a decode's time) is left
 * out; every field is still checked. For reads of a whole folder (`folder
 * status` on 100,000 paths decoded each twice), never for a peer's bytes.
 * @throws MycelError `bad_file_version` naming what is wrong
 */
export function decodeStoredFileVersion(bytes: Uint8Array): FileVersion {
  return decodeVersion(bytes, false);
}

/**
 * The content of a file version read back from this home's own tables (as
 * {@link decodeStoredFileVersion}), the rest of it not decoded (path, maker,
 * vector): its size and chunk list, for matching contents across a whole
 * file index. Undefined when `bytes` is not a file's version.
 */
export function storedFileContent(
  bytes: Uint8Array,
): Pick<RegularFileVersion, "kind" | "size" | "chunks"> | undefined {
  let x: unknown;
  try {
    x = decodeCbor(bytes, "file version");
  } catch {
    return undefined;
  }
  if (!Array.isArray(x) || x.length !== 9 || x[0] !== VERSION || x[2] !== KIND_CODES.file) {
    return undefined;
  }
  const size = toSafeInteger(x[6]);
  const chunks = decodeChunkList(x[8]);
  if (size === undefined || chunks === undefined || chunkListProblem(chunks, size) !== undefined) {
    return undefined;
  }
  return { kind: "file", size, chunks };
}

function decodeVersion(bytes: Uint8Array, canonical: boolean): FileVersion {
  if (bytes.length > MAX_FILE_VERSION_BYTES) throw bad("it is too large");
  let x: unknown;
  try {
    x = decodeCbor(bytes, "file version");
  } catch (e) {
    throw bad("it is not valid CBOR", e);
  }
  if (!Array.isArray(x) || x.length < 6 || x[0] !== VERSION) throw bad("not a version-1 record");
  const [, path, kindCode, mtimeRaw, keyRaw, vvRaw] = x;
  const kind = typeof kindCode === "number" ? KINDS[kindCode] : undefined;
  if (typeof kindCode === "number" && Number.isSafeInteger(kindCode) && kindCode >= KINDS.length) {
    throw bad(`its kind ${kindCode} is not one this release reads (${NEWER_RELEASE})`);
  }
  const key = asBytes(keyRaw);
  const mtime = toSafeInteger(mtimeRaw);
  if (kind === undefined || key?.length !== 32 || mtime === undefined || typeof path !== "string") {
    throw bad("path, kind, mtime or device malformed");
  }
  let vv;
  try {
    vv = decodeVv(vvRaw);
  } catch (e) {
    throw bad(e instanceof Error ? e.message : String(e), e);
  }
  const base = { path, mtime, modifiedBy: deviceIdFromKey(key), vv };
  let v: FileVersion;
  if (kind === "file") {
    const size = toSafeInteger(x[6]);
    if (x.length > 9) {
      throw bad(`a file has more fields than this release reads (${NEWER_RELEASE})`);
    }
    if (x.length !== 9 || size === undefined || typeof x[7] !== "boolean") {
      throw bad("file fields malformed");
    }
    const chunks = decodeChunkList(x[8]);
    if (chunks === undefined) throw bad("chunk list malformed");
    v = { ...base, kind, size, exec: x[7], chunks };
  } else if (kind === "symlink") {
    if (x.length > 7) {
      throw bad(`a symlink has more fields than this release reads (${NEWER_RELEASE})`);
    }
    if (x.length !== 7 || typeof x[6] !== "string") throw bad("symlink fields malformed");
    v = { ...base, kind, target: x[6] };
  } else {
    // Optional, so a deletion without it keeps its one byte form.
    if (x.length === 7) {
      const named = asBytes(x[6]);
      if (named?.length !== 32) throw bad("the deleted content must be 32 bytes of digest");
      v = { ...base, kind, deletedContent: toHex(named) };
    } else if (x.length === 6) {
      v = { ...base, kind };
    } else {
      throw bad(`a deletion has more fields than this release reads (${NEWER_RELEASE})`);
    }
  }
  const problem = fileVersionProblem(v);
  if (problem !== undefined) throw bad(problem);
  if (!canonical) return v;
  let again: Uint8Array | undefined;
  try {
    again = encodeFileVersion(v);
  } catch { /* a longer form than the bytes given: not canonical either */ }
  if (again === undefined || !bytesEqual(again, bytes)) {
    throw bad("its encoding is not canonical");
  }
  return v;
}
