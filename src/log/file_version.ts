/**
 * @module file_version
 * One version of one path in a synced folder — what a `files` op in a log
 * entry carries — and the checks it must pass. Three kinds:
 * - file: size, exec bit, mtime (ms) and its chunk list (inline or a
 *   manifest tree's root, files/manifest_tree.ts);
 * - symlink: the link's target text (synced as a link, never followed);
 * - deleted: a tombstone, so an offline device can't resurrect the file,
 *   naming (when the deleting device held a file or link there) the content
 *   it deleted: a version of that same content made concurrently (a mere
 *   touch) loses to it (files/conflict.ts).
 * Every kind carries the device that made it and a version vector.
 * A folder (directory) is a deletion naming {@link DIRECTORY_MARK} as the
 * content it deleted ({@link isDirectoryVersion}): the one form every
 * release that reads `deletedContent` decodes (a kind of its own is refused
 * by them as a whole entry), and one they take as "no file here", which is
 * what a folder is to them.
 *
 * The checks a version must pass are here ({@link fileVersionProblem}); its
 * byte form is file_version_codec.ts. Pure.
 */

import type { DeviceId } from "./device_id.ts";
import { chunkListProblem } from "./chunk_list_codec.ts";
import type { ChunkList } from "./chunk_list.ts";
import { loggedPathProblem } from "./logged_path.ts";
import { symlinkTargetProblem } from "./symlink_target.ts";
import type { VersionVector } from "./version_vector.ts";

/** Earliest mtime accepted: 0001-01-01T00:00:00Z (ms). */
export const MIN_MTIME = -62135596800000;
/** Latest mtime accepted: 9999-12-31T23:59:59.999Z (ms). */
export const MAX_MTIME = 253402300799999;
/** Largest encoded version accepted. */
export const MAX_FILE_VERSION_BYTES = 24 * 1024;

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

/**
 * The `deletedContent` of a deletion that says "a folder is here" (one
 * empty when it was published, docs/folders.md "Empty
 * folders"): SHA-256 of
 * "mycel:directory", which no content key (version_content.ts: "f:", "m:",
 * "l:" …) hashes to, so no touch of a file is ever undone by it.
 */
export const DIRECTORY_MARK = "fd6f892ec69fdb18a2731d3df957ea61625a81242a66b78b82e4785eac2f46eb";

/** True when `v` is a folder's version (a deletion naming {@link DIRECTORY_MARK}). */
export function isDirectoryVersion(v: FileVersion): boolean {
  return v.kind === "deleted" && v.deletedContent === DIRECTORY_MARK;
}

/** Any version of a path. */
export type FileVersion = RegularFileVersion | SymlinkVersion | DeletedVersion;

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
