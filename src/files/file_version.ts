/**
 * @module file_version
 * One version of one path in a synced folder — what a `files` op in a log
 * entry carries — and its strict codec. Three kinds:
 * - file: size, exec bit, mtime (ms) and its chunk list (inline or a
 *   manifest tree's root, manifest_tree.ts);
 * - symlink: the link's target text (synced as a link, never followed);
 * - deleted: a tombstone, so an offline device can't resurrect the file,
 *   naming (when the deleting device held a file or link there) the content
 *   it deleted: a version of that same content made concurrently (a mere
 *   touch) loses to it (conflict.ts).
 * Every kind carries the device that made it and a version vector.
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

import { NEWER_RELEASE } from "../log/newer_release.ts";
import { asBytes, bytesEqual, fromHex, toHex } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor, encodeCbor } from "../log/cbor.ts";
import { type DeviceId, deviceIdFromKey, parseDeviceId } from "../log/device_id.ts";
import { chunkListProblem, decodeChunkList, encodeChunkList } from "../log/chunk_list_codec.ts";
import type { ChunkList } from "../log/chunk_list.ts";
import { loggedPathProblem } from "../log/logged_path.ts";
import { symlinkTargetProblem } from "../log/symlink_target.ts";
import { decodeVv, encodeVv, toSafeInteger, type VersionVector } from "../log/version_vector.ts";

/** Earliest mtime accepted: 0001-01-01T00:00:00Z (ms). */
export const MIN_MTIME = -62135596800000;
/** Latest mtime accepted: 9999-12-31T23:59:59.999Z (ms). */
export const MAX_MTIME = 253402300799999;
/** Largest encoded version accepted. */
export const MAX_FILE_VERSION_BYTES = 24 * 1024;

const VERSION = 1;
const KIND_CODES = { file: 0, symlink: 1, deleted: 2 } as const;
const KINDS = ["file", "symlink", "deleted"] as const;

interface VersionBase {
  /** Relative path in the folder (paths.ts rules). */
  readonly path: string;
  /** File: modification time; symlink: its mtime; deleted: when the deletion was seen (ms). */
  readonly mtime: number;
  /** The device that made this version (its vv counter is ≥ 1). */
  readonly modifiedBy: DeviceId;
  /** Which changes this version has seen. */
  readonly vv: VersionVector;
}

/** A regular file's version. */
export interface RegularFileVersion extends VersionBase {
  readonly kind: "file";
  /** Length in bytes: the sum of the chunk lengths. */
  readonly size: number;
  /** Whether the execute bit is set (the only mode bit that syncs). */
  readonly exec: boolean;
  /** The content. */
  readonly chunks: ChunkList;
}

/** A symbolic link's version. */
export interface SymlinkVersion extends VersionBase {
  readonly kind: "symlink";
  /** The link's target text, exactly as readlink gives it. */
  readonly target: string;
}

/** A deletion. */
export interface DeletedVersion extends VersionBase {
  readonly kind: "deleted";
  /**
   * The content this deletion deleted: `contentDigest` (conflict.ts) of the
   * file or link the deleting device held, 64 lowercase hex characters.
   * Absent when not known (no version held there, a deletion made by an
   * override or a folder's need of the name, or by an earlier release).
   */
  readonly deletedContent?: string;
}

/** Any version of a path. */
export type FileVersion = RegularFileVersion | SymlinkVersion | DeletedVersion;

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

/** Why `v` is not a valid version, or undefined (the checks decoding makes). */
export function fileVersionProblem(v: FileVersion): string | undefined {
  const pathProblem = loggedPathProblem(v.path);
  if (pathProblem !== undefined) return `path: ${pathProblem}`;
  if (!Number.isSafeInteger(v.mtime) || v.mtime < MIN_MTIME || v.mtime > MAX_MTIME) {
    return "mtime must be a whole number of ms in years 1–9999";
  }
  const own = v.vv.get(v.modifiedBy);
  if (own === undefined || own < 1) return "the version vector must count its own device";
  if (v.kind === "file") {
    if (!Number.isSafeInteger(v.size) || v.size < 0) return "size must be a byte count";
    if (typeof v.exec !== "boolean") return "exec must be true or false";
    return chunkListProblem(v.chunks, v.size);
  }
  if (v.kind === "symlink") return symlinkTargetProblem(v.target);
  if (v.kind !== "deleted") return "unknown kind";
  const named = v.deletedContent;
  if (named !== undefined && (typeof named !== "string" || !/^[0-9a-f]{64}$/.test(named))) {
    return "the deleted content must be 32 bytes of digest";
  }
  return undefined;
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
 * Decode a version from a peer.
 * @throws MycelError `bad_file_version` naming what is wrong
 */
export function decodeFileVersion(bytes: Uint8Array): FileVersion {
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
  let again: Uint8Array | undefined;
  try {
    again = encodeFileVersion(v);
  } catch { /* a longer form than the bytes given: not canonical either */ }
  if (again === undefined || !bytesEqual(again, bytes)) {
    throw bad("its encoding is not canonical");
  }
  return v;
}
