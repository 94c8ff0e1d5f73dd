/**
 * @module conflict_name
 * The name a conflict copy gets (see conflict.ts for when one is made):
 * `NAME.sync-conflict-YYYYMMDD-HHMMSS-DEVICE.EXT` beside the path, from the
 * losing version alone (its mtime in UTC, whole seconds; the short id of
 * its device), optionally tagged with `~` and 8 hex of its content key, so
 * every device names the same loser the same way. A name never passes 255
 * UTF-8 bytes: the stem is cut (and tagged with a hash of the whole name),
 * never the marker, time, device or extension.
 *
 * Read back ({@link parseConflictCopy}), a name says which path's version
 * it holds, when and by which device — only a name: the path it spells may
 * not exist (a stem cut to fit, a file named like a copy by hand), so
 * callers check it against the folder's state (`folder conflicts`).
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { toHex, utf8 } from "../bytes.ts";
import { shortDeviceId } from "../log/device_id.ts";
import type { FileVersion } from "../log/file_version.ts";
import { MAX_NAME_BYTES, utf8Length } from "../log/logged_path.ts";
import { contentKey } from "./version_content.ts";

/** Marker inside every conflict copy's name. */
export const CONFLICT_MARKER = ".sync-conflict-";

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

// Stem, time (six fields), short id, the content tag, extension.
const COPY =
  /^(.*)\.sync-conflict-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-([A-Z2-7]{7})(?:~[0-9a-f]{8})?(\.[^/]*)?$/;

/** True when `path`'s name is a conflict copy's (with or without the content tag). */
export function isConflictCopy(path: string): boolean {
  return COPY.test(path);
}

/** What a conflict copy's name says. */
export interface ConflictCopyName {
  /** The path whose version the copy holds, as the name spells it. */
  readonly of: string;
  /** Short id (7 characters) of the device that made that version. */
  readonly device: string;
  /** That version's mtime, whole seconds, in ms since the epoch (UTC). */
  readonly modifiedMs: number;
}

/** What `path`'s name says if it is a conflict copy's; undefined otherwise. */
export function parseConflictCopy(path: string): ConflictCopyName | undefined {
  const m = COPY.exec(path);
  if (m === null) return undefined;
  const [, stem, y, mo, d, h, mi, s, device, ext] = m;
  const modifiedMs = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  // conflictCopyPath never makes an empty stem (a dotfile keeps its dot in
  // it). A stem cut to fit 255 bytes ends in "~" and 8 hex instead of the
  // rest of the name: `of` then names no file, which callers find out.
  if (stem === "" || stem.endsWith("/") || Number.isNaN(modifiedMs)) return undefined;
  return { of: stem + (ext ?? ""), device, modifiedMs };
}
