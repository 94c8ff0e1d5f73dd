/**
 * @module moved_here
 * The device that swaps two files (a.txt↔b.txt by three renames) or copies
 * a file elsewhere and then edits it keeps no version of what it replaced —
 * its own edits are never kept — yet a.txt's previous content is right
 * there, at b.txt. A device that receives the same change notes it ("now
 * at b.txt", folder_apply_unkeep.ts); before, `folder versions a.txt` on the
 * device that made it listed nothing. A scan that publishes a path whose
 * indexed content is now another published path's notes it the same way
 * (moved_kept.ts), from what the scan hashed: the old row's content key
 * against the new rows' keys. Only paths this scan published are looked
 * at, as only paths its round placed are on a receiving device; `folder
 * restore` checks the bytes at the noted path before it copies any.
 */

import type { IndexRow } from "../storage/sql_file_index.ts";
import { fileKey, type MovedKeptNote } from "./moved_kept.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";

/**
 * Notes (kept at `now`) of each path among `rows` (the rows a scan
 * records) whose content in `before` (the index the scan read against) is
 * the new content of another of `rows`.
 */
export function movedHere(
  before: ReadonlyMap<string, IndexRow>,
  rows: readonly IndexRow[],
  now: number,
): MovedKeptNote[] {
  const holders = new Map<string, string>(); // new content key -> first path with it
  for (const r of rows) {
    const key = fileKey(r.version);
    if (key !== undefined && !holders.has(key)) holders.set(key, r.path);
  }
  if (holders.size === 0) return [];
  const notes: MovedKeptNote[] = [];
  for (const r of rows) {
    const old = before.get(r.path)?.version;
    const key = fileKey(old);
    if (key === undefined || key === fileKey(r.version)) continue; // not changed here
    const at = holders.get(key);
    const v = decodeFileVersion(old!);
    if (at === undefined || at === r.path || v.kind !== "file") continue;
    notes.push({ path: r.path, kept: now, size: v.size, key, at });
  }
  return notes;
}
