/**
 * @module moved_kept
 * Notes of kept versions a round dropped because their content was at
 * another path after it (folder_apply_unkeep.ts: a↔b swapped elsewhere,
 * a.txt's old content is b.txt's new one). Without them `folder versions
 * a.txt` listed nothing, though a.txt's previous content was right there
 * at b.txt. Local to this device (the local record `movedKept`), expiring
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
import { DEFAULT_VERSION_RETENTION_MS } from "../files/versions.ts";

export type { MovedKeptNote };

/** Notes kept per folder at most: a swap of more files is noted for the newest this many. */
const MAX_NOTES = 10_000;

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

/** The notes of folder `id` not past its retention at `now`. */
function liveNotes(home: Home, id: string, now: number): MovedKeptNote[] {
  const cutoff = now - retentionOf(home, id);
  return (home.local.get("movedKept")?.[id] ?? []).filter((n) => n.kept >= cutoff);
}

/** The notes of `path` in folder `id` still within its retention, newest first. */
export function movedNotesOf(home: Home, id: string, path: string): MovedKeptNote[] {
  return liveNotes(home, id, home.now()).filter((n) => n.path === path)
    .sort((a, b) => b.kept - a.kept);
}

/**
 * Add `notes` to folder `id`'s, dropping those past the retention (of
 * every folder: a folder left here keeps none). Best effort, as the drop it
 * notes: a home that refuses the write loses the notes, not the round.
 */
export async function addMovedNotes(
  home: Home,
  id: string,
  notes: readonly MovedKeptNote[],
): Promise<void> {
  if (notes.length === 0) return;
  try {
    await home.write((w) => {
      const now = home.now();
      const all = home.local.get("movedKept") ?? {};
      const out: Record<string, MovedKeptNote[]> = {};
      for (const f of Object.keys(all)) {
        if (f === id || home.folderLocal.folder(f) === undefined) continue;
        const live = liveNotes(home, f, now);
        if (live.length > 0) out[f] = live;
      }
      const mine = [...liveNotes(home, id, now), ...notes].slice(-MAX_NOTES);
      if (mine.length > 0) out[id] = mine;
      w.setLocal("movedKept", Object.keys(out).length > 0 ? out : undefined);
    });
  } catch (e) {
    // The kept copies are gone already; only where their content is goes unsaid.
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
