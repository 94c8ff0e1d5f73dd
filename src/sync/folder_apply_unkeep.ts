/**
 * @module folder_apply_unkeep
 * A file a peer's change replaced or removed here is kept under
 * `.mycel/versions` so its content is not lost. When that content still
 * sits in the folder after the round — two files swapped elsewhere (a↔b by
 * renames: each old file is now the other's new one), a file moved where
 * the round could not rename it — the kept copy is only a second copy of
 * it: it goes again at the round's end. Before, a swap kept both old files
 * on every receiving device, twice the swapped data for the 30 days
 * versions are kept. Gone only once the bytes of a file the round placed
 * are compared equal to it: a kept copy whose content is anywhere else is
 * never dropped. What is dropped is noted in the home (moved_kept.ts):
 * `folder versions a.txt` lists "now at b.txt", and `folder restore` copies
 * it back from there while b.txt still holds it.
 */

import { basename, dirname, join } from "node:path";
import { sameFileBytes } from "../files/kept_same.ts";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import { keptTimeOf } from "../files/versions.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import { addMovedNotes, fileKey, type MovedKeptNote } from "./moved_kept.ts";

/** Note that the round kept `kept` (if it did) of `path`, holding the version `replaced` (encoded). */
export function noteKept(
  s: ApplySession,
  path: string,
  kept: string | undefined,
  replaced: Uint8Array | null,
): void {
  const key = kept === undefined ? undefined : fileKey(replaced);
  if (key !== undefined) s.keptNow.push({ kept: kept!, key, path });
}

/**
 * Drop the versions this round kept whose content a path it placed holds
 * now (its row after the round says so, and the bytes are compared). A copy
 * that can't be read or removed stays: it is kept, as before.
 */
export async function dropKeptStillHere(s: ApplySession): Promise<void> {
  if (s.keptNow.length === 0) return;
  const wanted = new Set(s.keptNow.map((k) => k.key));
  const holders = new Map<string, string[]>(); // content key -> paths placed with it
  for (const path of s.settled) {
    const key = fileKey(s.record.rowAfter(path)?.version);
    if (key === undefined || !wanted.has(key)) continue;
    const list = holders.get(key);
    if (list === undefined) holders.set(key, [path]);
    else list.push(path);
  }
  const root = s.folder.root;
  const notes: MovedKeptNote[] = [];
  for (const k of s.keptNow) {
    for (const path of holders.get(k.key) ?? []) {
      const kept = join(root, k.kept);
      let size: number;
      try {
        // Never followed: a kept copy is a regular file mycel made.
        const info = Deno.lstatSync(kept);
        if (!info.isFile || !(await heldAt(root, path, kept))) continue;
        size = info.size;
        Deno.removeSync(kept);
      } catch {
        continue;
      }
      const at = keptTimeOf(basename(k.kept));
      // Its own path holding it again is no move: nothing to say where it went.
      if (at !== undefined && path !== k.path) {
        notes.push({ path: k.path, kept: at, size, key: k.key, at: path });
      }
      break;
    }
  }
  await addMovedNotes(s.home, s.id, notes);
}

/**
 * Whether the regular file at `path` (no link followed, on the way either:
 * a user may have swapped either for one since the round placed it) holds
 * the bytes of `kept`, and was not changed while they were compared.
 */
async function heldAt(root: string, path: string, kept: string): Promise<boolean> {
  const abs = join(root, path);
  if (Deno.realPathSync(dirname(abs)) !== join(Deno.realPathSync(root), dirname(path))) {
    return false;
  }
  // Opened without following a link at either name (undefined: a link, a
  // FIFO, a folder there now), so what is compared is what the names hold.
  await loadOpenNoFollow();
  using placed = openNoFollowSync(abs);
  using copy = openNoFollowSync(kept);
  if (placed === undefined || copy === undefined) return false;
  const before = placed.statSync();
  if (!before.isFile || !(await sameFileBytes(placed, copy))) return false;
  // The name still holds that very file, unchanged.
  const after = Deno.lstatSync(abs);
  return after.isFile && after.ino === before.ino && after.size === before.size &&
    after.mtime?.getTime() === before.mtime?.getTime();
}
