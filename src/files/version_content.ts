/**
 * @module version_content
 * What a file version holds, apart from its path, maker, vector, exec bit
 * and mtime: a text naming it (the conflict copy's content tag), its digest
 * (what a deletion names as `deletedContent`), and whether two versions
 * hold the same content (no conflict copy then; conflict.ts). Equal content
 * gives equal keys on every device: sizes and chunk ids, or the link
 * target, never the file's bytes.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../bytes.ts";
import type { FileVersion, RegularFileVersion, SymlinkVersion } from "../log/file_version.ts";

/** What {@link contentKey} reads of a file's version: kind, size and chunks. */
export type FileContent = Pick<RegularFileVersion, "kind" | "size" | "chunks">;

/**
 * Text naming a version's content (not its path, maker or vector): equal
 * for versions {@link sameContent} calls equal apart from exec and mtime.
 */
export function contentKey(v: FileVersion | FileContent): string {
  if (v.kind === "symlink") return `l:${v.target}`;
  if (v.kind === "deleted") return "d";
  if ("manifest" in v.chunks) return `m:${v.size}:${v.chunks.manifest}:${v.chunks.count}`;
  return `f:${v.size}:${v.chunks.inline.map((c) => `${c.hash}/${c.length}`).join(",")}`;
}

/**
 * Digest naming `v`'s content: a deletion of `v` carries it as
 * `deletedContent`. Equal for versions {@link sameContent} calls equal
 * (exec and mtime aside), the SHA-256 of their content key.
 */
export function contentDigest(v: RegularFileVersion | SymlinkVersion): string {
  return toHex(sha256(utf8(contentKey(v))));
}

/** True when the two versions hold the same content (exec and mtime aside). */
export function sameContent(a: FileVersion | FileContent, b: FileVersion | FileContent): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "symlink") return a.target === (b as typeof a).target;
  if (a.kind === "deleted") return true;
  const x = a.chunks, y = (b as typeof a).chunks;
  if (a.size !== (b as typeof a).size) return false;
  if ("manifest" in x || "manifest" in y) {
    return "manifest" in x && "manifest" in y && x.manifest === y.manifest && x.count === y.count;
  }
  return x.inline.length === y.inline.length &&
    x.inline.every((c, i) => c.hash === y.inline[i].hash && c.length === y.inline[i].length);
}
