/**
 * @module moved_kept
 * Notes of kept versions a round dropped because their content was at
 * another path after it (folder_apply_unkeep.ts: a↔b swapped elsewhere,
 * a.txt's old content is b.txt's new one). Without them `folder versions
 * a.txt` listed nothing, though a.txt's previous content was right there
 * at b.txt. Local to this device (a row each, sql_moved_notes.ts), expiring
 * as the kept versions of the same time do: the folder's `--keep-days`,
 * 30 days unless set. A note says where the content was; `folder restore`
 * checks that path by its content before it copies anything.
 */

import { isMycelError } from "../errors.ts";
import { join } from "node:path";
import { sameStat, statKey } from "../files/scan_file.ts";
import { contentKey } from "../files/version_content.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { Home } from "../storage/home_handle.ts";
import type { MovedKeptNote } from "../storage/sql_local.ts";
import type { MovedNotesCut } from "../storage/sql_moved_notes.ts";
import { DEFAULT_VERSION_RETENTION_MS } from "../files/versions.ts";

export type { MovedKeptNote };

/** Notes kept per folder at most: past it, the oldest added go (and `folder versions` says so). */
export const MAX_NOTES = 10_000;

/** How long the folder `id` keeps versions here (ms), as pruneVersions reads it. */
function retentionOf(home: Home, id: string): number {
  const days = home.folderLocal.folder(id)?.info.keepDays;
  return days === undefined ? DEFAULT_VERSION_RETENTION_MS : days * 86400_000;
}

/** The content key of a non-empty file version (encoded), or undefined. */
export function fileKey(bytes: Uint8Array | null | undefined): string | undefined {
  if (bytes === null || bytes === undefined) return undefined;
  const v = decodeFileVersion(bytes);
  return v.kind === "file" && v.size > 0 ? contentKey(v) : undefined;
}

/** The oldest time a note of folder `id` kept at `now` may have (its retention). */
function sinceOf(home: Home, id: string, now: number): number {
  return now - retentionOf(home, id);
}

/** The notes of `path` in folder `id` still within its retention, newest first. */
export function movedNotesOf(home: Home, id: string, path: string): MovedKeptNote[] {
  return home.folderLocal.moved.of(id, path, sinceOf(home, id, home.now()));
}

/** The notes of the paths under `dir` ("" for all) in folder `id` within its retention, by path. */
export function movedNotesUnder(home: Home, id: string, dir: string): MovedKeptNote[] {
  return home.folderLocal.moved.under(id, dir, sinceOf(home, id, home.now()));
}

/**
 * How many notes of folder `id` the cap ({@link MAX_NOTES}) dropped and the
 * newest time among them, while that time is within the retention (older
 * ones would have expired anyway): undefined otherwise.
 */
export function movedNotesCut(home: Home, id: string): MovedNotesCut | undefined {
  const cut = home.folderLocal.moved.cut(id);
  return cut !== undefined && cut.newest >= sinceOf(home, id, home.now()) ? cut : undefined;
}

/**
 * Add `notes` to folder `id`'s, dropping its notes past the retention and,
 * past {@link MAX_NOTES}, the oldest added (counted, for `folder versions`
 * to say). One row a note (sql_moved_notes.ts): it costs what is added and
 * dropped, not what the folder holds. Best effort, as the drop it notes: a
 * home that refuses the write loses the notes, not the round.
 */
export async function addMovedNotes(
  home: Home,
  id: string,
  notes: readonly MovedKeptNote[],
): Promise<void> {
  if (notes.length === 0) return;
  try {
    await home.write((w) => {
      w.folderLocal.moved.add(id, notes, sinceOf(home, id, home.now()), MAX_NOTES);
    });
  } catch (e) {
    // The kept copies are gone already; only where their content is goes unsaid.
    if (!isMycelError(e)) throw e;
  }
}

/**
 * Drop folder `id`'s notes past its retention, when it has any (the hourly
 * sweep, folder_round.ts): a folder whose rounds note nothing new keeps
 * none past it on disk either. Best effort, as {@link addMovedNotes}.
 */
export async function expireMovedNotes(home: Home, id: string): Promise<void> {
  const since = sinceOf(home, id, home.now());
  const oldest = home.folderLocal.moved.oldest(id);
  if (oldest === undefined || oldest >= since) return;
  try {
    await home.write((w) => w.folderLocal.moved.expire(id, since));
  } catch (e) {
    if (!isMycelError(e)) throw e;
  }
}

/**
 * Whether `note.at` seems to hold the noted content still: its index row
 * names that content and the file (not followed) is as that row saw it.
 * A hint for the list only, from the last scan: `folder restore` reads the
 * bytes (moved_kept_stage.ts).
 */
export function seemsHeld(home: Home, id: string, root: string, note: MovedKeptNote): boolean {
  const row = home.folderLocal.indexRow(id, note.at);
  if (row?.version === null || row?.version === undefined || row.kind !== "file") return false;
  if (contentKey(decodeFileVersion(row.version)) !== note.key) return false;
  try {
    const info = Deno.lstatSync(join(root, note.at));
    return info.isFile && sameStat(statKey(info), row);
  } catch {
    return false;
  }
}
