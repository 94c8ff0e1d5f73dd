/**
 * @module conflict_copy_name
 * Reading a conflict copy's name back (conflict.ts makes it):
 * `NAME.sync-conflict-YYYYMMDD-HHMMSS-DEVICE[~HASH].EXT` says which path's
 * version it holds, when that version was modified (its mtime, UTC, whole
 * seconds) and which device made it (the first 7 characters of its id).
 * `folder conflicts` shows these, so a user sees what each copy is without
 * decoding its name. What a name says is only a name: a path given as the
 * original may not exist (a stem cut to fit 255 bytes, or a file named like
 * a copy by hand), so callers check it against the folder's state.
 */

/** What a conflict copy's name says. */
export interface ConflictCopyName {
  /** The path whose version the copy holds, as the name spells it. */
  readonly of: string;
  /** Short id (7 characters) of the device that made that version. */
  readonly device: string;
  /** That version's mtime, whole seconds, in ms since the epoch (UTC). */
  readonly modifiedMs: number;
}

const COPY =
  /^(.*)\.sync-conflict-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-([A-Z2-7]{7})(?:~[0-9a-f]{8})?(\.[^/]*)?$/;

/** What `path`'s name says if it is a conflict copy's; undefined otherwise. */
export function parseConflictCopy(path: string): ConflictCopyName | undefined {
  const m = COPY.exec(path);
  if (m === null) return undefined;
  const [, stem, y, mo, d, h, mi, s, device, ext] = m;
  const modifiedMs = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  // conflict.ts never makes an empty stem (a dotfile keeps its dot in it).
  // A stem cut to fit 255 bytes ends in "~" and 8 hex instead of the rest of
  // the name: `of` then names no file, which callers find out.
  if (stem === "" || stem.endsWith("/") || Number.isNaN(modifiedMs)) return undefined;
  return { of: stem + (ext ?? ""), device, modifiedMs };
}
