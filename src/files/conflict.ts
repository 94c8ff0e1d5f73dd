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
 *   edit keeps the edit). Two deletions: same content.
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
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { compareBytes, toHex, utf8 } from "../bytes.ts";
import { parseDeviceId, shortDeviceId } from "../log/device_id.ts";
import { encodeFileVersion, type FileVersion } from "./file_version.ts";
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
    return { winner: kept, loser: gone, copyPath: null };
  }
  return { winner, loser, copyPath: conflictCopyPath(loser) };
}

/**
 * The version that stays at the path among versions made concurrently
 * (resolveConflict applied pairwise): the best-ranked non-deleted one, or
 * the best-ranked deletion when all are deletions. Independent of order.
 */
export function winnerOf(versions: readonly FileVersion[]): FileVersion {
  if (versions.length === 0) throw new RangeError("winnerOf() needs a version");
  let w = versions[0];
  for (let i = 1; i < versions.length; i++) w = resolveConflict(w, versions[i]).winner;
  return w;
}
