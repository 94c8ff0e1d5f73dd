/**
 * @module conflict
 * What happens when two versions of a path were made concurrently (neither
 * version vector has seen the other): a deterministic function of the two
 * versions alone, so every device reaches the same outcome and makes at
 * most one conflict copy per pair, however many times it sees them.
 *
 * - Same content (same kind and chunk list, or same link target): no copy;
 *   the caller merges the vectors.
 * - A deletion against an edit: the edit wins, no copy (a delete racing an
 *   edit keeps the edit) — unless the deletion names the content it deleted
 *   (`deletedContent`) and the other version holds that same content: a
 *   mere touch (new mtime, same bytes) on a device that had not seen the
 *   deletion. Then the deletion wins, no copy: the touch is undone.
 *   Two deletions: same content (a folder's version, docs/folders.md "Empty
 *   folders", wins over a plain deletion: a removal racing a folder's
 *   making keeps the folder).
 * - Otherwise the newer mtime wins; on equal mtimes the larger device key,
 *   then the larger SHA-256 of the encoded version. The loser is kept as
 *   `NAME.sync-conflict-YYYYMMDD-HHMMSS-DEVICE.EXT` beside the path, where
 *   the time is the LOSER's mtime in UTC (whole seconds) and DEVICE the short
 *   id (first 7 characters) of the device that made the loser. The name
 *   depends on the losing version only, so the same loser gets the same
 *   copy whichever version it lost to. When that name already holds other
 *   content (one device made two losing versions in one second: its own
 *   losing edit and, later, the merge it published), the copy takes the
 *   name with `~` and 8 hex after DEVICE: the SHA-256 of a text naming its
 *   content (size and chunk ids, or the link target; not of the file's
 *   bytes), decided in folder_plan.ts, so no losing content goes uncopied.
 *
 * Among more than two (`winnerOf`), the undone versions — those a deletion
 * of the set names the content of — are set aside first, then the best
 * ranked of the rest wins, a deletion only when all left are deletions: so a
 * deletion, a touch and a real edit made at once keep the edit (and make no
 * copy of the touch), whatever the order the versions are met in. Pairwise
 * the rules can go round (a touch newer than the edit beats it, the edit the
 * deletion, the deletion the touch); over the set they can't.
 *
 * How a copy is named is conflict_name.ts; when two versions hold the same
 * content, version_content.ts.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { compareBytes } from "../bytes.ts";
import { parseDeviceId } from "../log/device_id.ts";
import { encodeFileVersion } from "../log/file_version_codec.ts";
import { type FileVersion, isDirectoryVersion } from "../log/file_version.ts";
import { conflictCopyPath } from "./conflict_name.ts";
import { contentDigest, sameContent } from "./version_content.ts";

/** Outcome of two concurrent versions. */
export interface ConflictOutcome {
  /** The version that stays at the path. */
  readonly winner: FileVersion;
  /** The other one. */
  readonly loser: FileVersion;
  /** Where to keep the loser's content, or null when no copy is made. */
  readonly copyPath: string | null;
}

/**
 * The versions of a concurrent set (its path's versions no other dominates)
 * that a deletion of the set undoes: files and links whose content is the
 * content a deletion names. Empty unless a deletion names its content
 * (deletions made before `deletedContent` existed undo nothing).
 */
export function undoneIn(versions: readonly FileVersion[]): Set<FileVersion> {
  const named = new Set<string>();
  for (const v of versions) {
    if (v.kind === "deleted" && v.deletedContent !== undefined) named.add(v.deletedContent);
  }
  const out = new Set<FileVersion>();
  if (named.size === 0) return out;
  for (const v of versions) {
    if (v.kind !== "deleted" && named.has(contentDigest(v))) out.add(v);
  }
  return out;
}

/** Positive when `a` beats `b` by mtime, then device key, then encoding hash. */
function rank(a: FileVersion, b: FileVersion): number {
  if (a.mtime !== b.mtime) return a.mtime - b.mtime;
  const byDevice = compareBytes(
    parseDeviceId(a.modifiedBy).publicKey,
    parseDeviceId(b.modifiedBy).publicKey,
  );
  if (byDevice !== 0) return byDevice;
  return compareBytes(sha256(encodeFileVersion(a)), sha256(encodeFileVersion(b)));
}

/**
 * Decide between two concurrent versions of the same path (see the module
 * comment). Symmetric: `resolveConflict(a, b)` and `resolveConflict(b, a)`
 * give the same winner, loser and copy path.
 */
export function resolveConflict(a: FileVersion, b: FileVersion): ConflictOutcome {
  if (a.path !== b.path) throw new RangeError("resolveConflict() needs two versions of one path");
  const aWins = rank(a, b) >= 0;
  const [winner, loser] = aWins ? [a, b] : [b, a];
  if (sameContent(a, b)) return { winner, loser, copyPath: null };
  if (a.kind === "deleted" || b.kind === "deleted") {
    const [kept, gone] = a.kind === "deleted" ? [b, a] : [a, b];
    if (undoneIn([a, b]).size > 0) return { winner: gone, loser: kept, copyPath: null };
    return { winner: kept, loser: gone, copyPath: null };
  }
  return { winner, loser, copyPath: conflictCopyPath(loser) };
}

/**
 * The version that stays at the path among versions made concurrently (see
 * the module comment): undone versions ({@link undoneIn}) set aside, the
 * best-ranked non-deleted one of the rest, or the best-ranked deletion when
 * only deletions are left. A function of the set alone, not of its order.
 */
export function winnerOf(versions: readonly FileVersion[]): FileVersion {
  if (versions.length === 0) throw new RangeError("winnerOf() needs a version");
  const undone = undoneIn(versions);
  let best: FileVersion | undefined;
  for (const v of versions) {
    if (undone.has(v)) continue;
    if (best === undefined) best = v;
    else if ((v.kind === "deleted") !== (best.kind === "deleted")) {
      if (best.kind === "deleted") best = v;
    } else if (isDirectoryVersion(v) !== isDirectoryVersion(best)) {
      // A folder's removal racing its making (or a file put in it) keeps it.
      if (isDirectoryVersion(v)) best = v;
    } else if (rank(v, best) > 0) best = v;
  }
  // Never undefined: a version is undone only by a deletion, which is not.
  return best!;
}
