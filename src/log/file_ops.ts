/**
 * @module file_ops
 * The log ops of synced folders and their strict, bounded wire forms
 * (ops.ts hands every tag listed in {@link FOLDER_OP_TAGS} to this module).
 *
 * - `folder.share` `["fs", folder, name]`: a folder exists in the mesh;
 * - `folder.join` `["fj", folder]` / `folder.leave` `["fl", folder]`: the
 *   entry's author syncs the folder (or stops); a device only ever says this
 *   about itself (the author is the subject);
 * - `folder.progress` `["fp", folder, needFiles, needBytes, conflicts,
 *   stopped, [key, seq, ...]]`: the author's own account of the folder on its
 *   disk — what it still lacks, measured against the folder frontier it knew
 *   (per author, the last seq of a file version it had folded);
 * - `file.version` `["fv", folder, versionBytes]`: one file version
 *   (file_version.ts: path, size, exec, mtime, chunk list or a
 *   manifest root, version vector, the device that made it).
 *
 * The file-version codec is the log's own (file_version_codec.ts, pure), so
 * a version is checked as strictly at decode time as every other op.
 */

import { NEWER_RELEASE } from "./newer_release.ts";
import { asBytes, hasControlChar } from "../bytes.ts";
import { decodeFileVersion, encodeFileVersion } from "./file_version_codec.ts";
import { type FileVersion, MAX_FILE_VERSION_BYTES } from "./file_version.ts";
import { DeviceKey } from "./device_key.ts";
import { checkName } from "./op_checks.ts";
import { quotedText } from "../text_safety.ts";

/** A device's account of one folder on its disk (see the module comment). */
export interface FolderProgress {
  /** Files (and links, deletions) it still has to apply. */
  readonly needFiles: number;
  /** Bytes it still has to fetch or copy for them. */
  readonly needBytes: number;
  /** Paths with an unresolved conflict on its disk. */
  readonly conflicts: number;
  /** Why the folder is stopped there ("" when it is not). */
  readonly stopped: string;
  /** Per author, the last seq of a file version of this folder it had folded. */
  readonly frontier: readonly (readonly [DeviceKey, number])[];
}

/** Ops of synced folders. */
export type FolderOp =
  | { type: "folder.share"; folder: string; name: string }
  | { type: "folder.join"; folder: string }
  | { type: "folder.leave"; folder: string }
  | { type: "folder.progress"; folder: string; progress: FolderProgress }
  | { type: "file.version"; folder: string; version: FileVersion };

/** Wire tags of {@link FolderOp}. */
export const FOLDER_OP_TAGS: ReadonlySet<string> = new Set(["fs", "fj", "fl", "fp", "fv"]);

/** Longest "stopped" reason in a progress record (characters). */
export const MAX_STOPPED_TEXT = 200;
/** Most authors a progress frontier may list. */
export const MAX_PROGRESS_AUTHORS = 1024;

const FOLDER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Why `text` is not a folder id (1–64 of letters, digits, `.`, `_`, `-`; a letter or digit first). */
export function folderIdProblem(text: unknown): string | undefined {
  if (typeof text !== "string" || !FOLDER_ID.test(text)) {
    return "a folder id is 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit";
  }
  return undefined;
}

function folderOf(x: unknown): string {
  const problem = folderIdProblem(x);
  if (problem !== undefined) throw new Error(problem);
  return x as string;
}

function countOf(x: unknown, what: string): number {
  if (!Number.isSafeInteger(x) || (x as number) < 0) throw new Error(`${what} must be a count`);
  return x as number;
}

function stoppedOf(x: unknown): string {
  if (typeof x !== "string" || x.length > MAX_STOPPED_TEXT || !x.isWellFormed()) {
    throw new Error(`stopped must be text of at most ${MAX_STOPPED_TEXT} characters`);
  }
  if (hasControlChar(x)) throw new Error("stopped contains a control character");
  return x;
}

function frontierOf(x: unknown): [DeviceKey, number][] {
  if (!Array.isArray(x) || x.length % 2 !== 0 || x.length > 2 * MAX_PROGRESS_AUTHORS) {
    throw new Error(`a progress frontier is up to ${MAX_PROGRESS_AUTHORS} key/seq pairs`);
  }
  const out: [DeviceKey, number][] = [];
  for (let i = 0; i < x.length; i += 2) {
    const key = asBytes(x[i]);
    if (key?.length !== 32) throw new Error("a frontier key must be 32 bytes");
    const k = DeviceKey.of(key);
    if (out.length > 0 && out[out.length - 1][0].compare(k) >= 0) {
      throw new Error("frontier keys must be ascending, once each");
    }
    const seq = x[i + 1];
    if (!Number.isSafeInteger(seq) || (seq as number) < 1) {
      throw new Error("a frontier seq must be positive");
    }
    out.push([k, seq as number]);
  }
  return out;
}

function progressWire(p: FolderProgress): unknown[] {
  const flat: unknown[] = [];
  for (const [k, seq] of p.frontier) flat.push(k.bytes, seq);
  return [
    countOf(p.needFiles, "needFiles"),
    countOf(p.needBytes, "needBytes"),
    countOf(p.conflicts, "conflicts"),
    stoppedOf(p.stopped),
    frontierOf(flat).flatMap(([k, s]) => [k.bytes, s]),
  ];
}

/** The progress record's fields from their wire form (after the tag and folder). */
export function decodeProgress(x: readonly unknown[]): FolderProgress {
  if (x.length !== 5) throw new Error("a progress record has 5 fields");
  return {
    needFiles: countOf(x[0], "needFiles"),
    needBytes: countOf(x[1], "needBytes"),
    conflicts: countOf(x[2], "conflicts"),
    stopped: stoppedOf(x[3]),
    frontier: frontierOf(x[4]),
  };
}

/** Wire form of a progress record (checked as the decoder checks it). */
export function encodeProgress(p: FolderProgress): unknown[] {
  return progressWire(p);
}

/** Compact wire form of a folder op; refuses what {@link decodeFolderOp} refuses. */
export function encodeFolderOp(op: FolderOp): unknown[] {
  const folder = folderOf(op.folder);
  switch (op.type) {
    case "folder.share":
      return ["fs", folder, checkName("folder name", op.name)];
    case "folder.join":
      return ["fj", folder];
    case "folder.leave":
      return ["fl", folder];
    case "folder.progress":
      return ["fp", folder, ...progressWire(op.progress)];
    case "file.version":
      return ["fv", folder, encodeFileVersion(op.version)];
  }
}

/** Decode a folder op (its tag is in {@link FOLDER_OP_TAGS}); throws on anything malformed. */
export function decodeFolderOp(x: unknown[]): FolderOp {
  const arity = (n: number) => {
    if (x.length !== n) throw new Error(`op ${x[0]} must have ${n - 1} fields`);
  };
  switch (x[0]) {
    case "fs":
      arity(3);
      return { type: "folder.share", folder: folderOf(x[1]), name: checkName("folder name", x[2]) };
    case "fj":
      arity(2);
      return { type: "folder.join", folder: folderOf(x[1]) };
    case "fl":
      arity(2);
      return { type: "folder.leave", folder: folderOf(x[1]) };
    case "fp":
      arity(7);
      return {
        type: "folder.progress",
        folder: folderOf(x[1]),
        progress: decodeProgress(x.slice(2)),
      };
    case "fv": {
      arity(3);
      const bytes = asBytes(x[2]);
      if (bytes === undefined || bytes.length > MAX_FILE_VERSION_BYTES) {
        throw new Error("a file version must be at most 24 KiB of bytes");
      }
      const version = decodeFileVersion(bytes);
      return { type: "file.version", folder: folderOf(x[1]), version };
    }
    default:
      throw new Error(
        `unknown op ${quotedText(String(x[0]).slice(0, 16))} (${NEWER_RELEASE})`,
      );
  }
}

/** True for the ops of this module. */
export function isFolderOp(op: { type: string }): op is FolderOp {
  return op.type.startsWith("folder.") || op.type === "file.version";
}
