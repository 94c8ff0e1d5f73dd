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
 *   Two deletions: same content.
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
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { compareBytes, toHex, utf8 } from "../bytes.ts";
import { parseDeviceId, shortDeviceId } from "../log/device_id.ts";
import {
  encodeFileVersion,
  type FileVersion,
  type RegularFileVersion,
  type SymlinkVersion,
} from "./file_version.ts";
import { MAX_NAME_BYTES, utf8Length } from "./paths.ts";

/** Marker inside every conflict copy's name. */
export const CONFLICT_MARKER = ".sync-conflict-";

/** Outcome of two concurrent versions. */
export interface ConflictOutcome {
  /** The version that stays at the path. */
  readonly winner: FileVersion;
  /** The other one. */
  readonly loser: FileVersion;
  /** Where to keep the loser's content, or null when no copy is made. */
  readonly copyPath: string | null;
}

/** Split a name into stem and extension (with its dot): dotfiles and names without a dot have none. */
export function splitExtension(name: string): [string, string] {
  const lead = name.length - name.replace(/^\.+/, "").length;
  const dot = name.lastIndexOf(".");
  if (dot <= lead || dot === name.length - 1) return [name, ""];
  return [name.slice(0, dot), name.slice(dot)];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** `YYYYMMDD-HHMMSS` of `ms` in UTC. */
export function utcStamp(ms: number): string {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1, 2)}${pad(d.getUTCDate(), 2)}-` +
    `${pad(d.getUTCHours(), 2)}${pad(d.getUTCMinutes(), 2)}${pad(d.getUTCSeconds(), 2)}`;
}

/** Cut `text` to at most `bytes` UTF-8 bytes at a code point boundary. */
function cutUtf8(text: string, bytes: number): string {
  let out = "";
  let used = 0;
  for (const ch of text) {
    const n = utf8Length(ch);
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/**
 * `stem` cut to at most `room` UTF-8 bytes (at a character boundary). A cut
 * stem ends in `~` and 8 hex characters of the SHA-256 of `whole`, the name
 * it came from: two long names that differ only past the cut would
 * otherwise share kept versions and conflict copies — a restore putting
 * back the other file's content, a second loser's copy never made.
 */
export function fitStem(stem: string, room: number, whole: string): string {
  if (utf8Length(stem) <= room) return stem;
  const tag = `~${toHex(sha256(utf8(whole))).slice(0, 8)}`;
  return cutUtf8(stem, Math.max(0, room - tag.length)) + tag;
}

/**
 * The conflict copy's path for losing version `loser`. When the name would
 * pass 255 bytes, the stem is shortened ({@link fitStem}) — the marker,
 * time, device and extension are always whole.
 */
export function conflictCopyPath(loser: FileVersion, byContent = false): string {
  const slash = loser.path.lastIndexOf("/");
  const dir = loser.path.slice(0, slash + 1);
  const name = loser.path.slice(slash + 1);
  const [stem, ext] = splitExtension(name);
  const tag = `${CONFLICT_MARKER}${utcStamp(loser.mtime)}-${shortDeviceId(loser.modifiedBy)}` +
    (byContent ? `~${toHex(sha256(utf8(contentKey(loser)))).slice(0, 8)}` : "");
  const room = MAX_NAME_BYTES - utf8Length(tag) - utf8Length(ext);
  const keptExt = room >= 10 ? ext : ""; // room for the stem's ~hash tag too
  const keptStem = fitStem(stem, MAX_NAME_BYTES - utf8Length(tag) - utf8Length(keptExt), name);
  return `${dir}${keptStem}${tag}${keptExt}`;
}

/** True when `path`'s name is a conflict copy's (with or without the content tag). */
export function isConflictCopy(path: string): boolean {
  return /\.sync-conflict-\d{8}-\d{6}-[A-Z2-7]{7}(~[0-9a-f]{8})?(\.[^/]*)?$/.test(path);
}

/**
 * Text naming a version's content (not its path, maker or vector): equal
 * for versions {@link sameContent} calls equal apart from exec and mtime.
 */
function contentKey(v: FileVersion): string {
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

/** True when the two versions hold the same content (exec and mtime aside). */
export function sameContent(a: FileVersion, b: FileVersion): boolean {
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
    } else if (rank(v, best) > 0) best = v;
  }
  // Never undefined: a version is undone only by a deletion, which is not.
  return best!;
}
