/**
 * @module folder_view
 * What `folder status` shows of a folder, computed from the replicated
 * folder state and this device's local records: its files and bytes (the
 * winners of the state that are files or links, not deletions), its
 * conflicts (and how many of them are a file moved while edited), where each device that joined stands (folder_standing.ts) and
 * what this device's last scan, round and sweep could not do.
 * `folder conflicts` is folder_conflicts.ts.
 */

import { movedWhileEdited } from "../files/moved_edited.ts";
import { isConflictCopy } from "../files/conflict_name.ts";
import type { Home } from "../storage/home_handle.ts";
import type { HeldPart } from "./folder_partial.ts";
import { type DeviceStanding, deviceStandings } from "./folder_standing.ts";
import { winners } from "./folder_winners.ts";

/** A folder as `folder status` shows it. */
export interface FolderStatus {
  readonly id: string;
  readonly name: string;
  /** Where it is on this device (null: not joined here). */
  readonly path: string | null;
  readonly files: number;
  readonly bytes: number;
  readonly conflicts: number;
  /**
   * Of the conflicts, files moved on one device while another edited them
   * (src/files/moved_edited.ts): they stay until the user ends them.
   */
  readonly movedWhileEdited: number;
  /**
   * Conflict copies (NAME.sync-conflict-…) in the folder: a conflict ended,
   * the other content kept beside it, waiting for the user to keep or delete.
   */
  readonly conflictCopies: number;
  readonly devices: DeviceStanding[];
  /** Deletions held back here, waiting for confirmation. */
  readonly heldDeletes: number;
  /** Paths the last scan here could not sync (the first 20), and how many in all. */
  readonly notSynced: { path: string; reason: string }[];
  readonly notSyncedCount: number;
  /** Paths the last round could not write here (the first 20), and how many in all. */
  readonly notWritten: { path: string; reason: string }[];
  readonly notWrittenCount: number;
  /** Old versions the last sweep here could not remove (the first 20), and how many in all. */
  readonly notRemoved: { path: string; reason: string }[];
  readonly notRemovedCount: number;
  /** Folders of old versions the last sweep here could not list (the first 20), and how many. */
  readonly notListed: { path: string; reason: string }[];
  readonly notListedCount: number;
  /** Files synced before that this device's last scan found ignored now, still on disk. */
  readonly ignoredKept: number;
}

/**
 * Status of `folder` (see the module comment). `ignored` says which paths
 * this device ignores: they are never written here, so they are not "behind",
 * and their conflicts are not this device's (the folder's count keeps them).
 * `held`: what this device's transfers hold (folder_partial.ts), when read.
 */
export function folderStatus(
  home: Home,
  folder: string,
  ignored: (path: string) => boolean = () => false,
  held?: ReadonlyMap<string, HeldPart>,
): FolderStatus {
  const rows = home.view.folders();
  const share = rows.share(folder);
  const local = home.folderLocal.folder(folder);
  let files = 0, bytes = 0, conflicts = 0, conflictCopies = 0;
  // One pass over the winners, none kept (a folder may have 200,000 paths).
  const standings = deviceStandings(home, folder, rows, local, ignored, held);
  for (const w of winners(rows, folder)) {
    standings.add(w);
    if (w.conflict) conflicts++;
    if (w.kind === "deleted") continue;
    files++;
    if (isConflictCopy(w.path)) conflictCopies++;
    bytes += w.size;
  }
  const devices = standings.finish();
  // Only paths of several versions are decoded again (conflicts: rare).
  const moved = conflicts === 0 ? [] : movedWhileEdited(() => rows.paths(folder));
  return {
    id: folder,
    name: share?.name ?? folder,
    path: local?.root ?? null,
    files,
    bytes,
    conflicts,
    movedWhileEdited: moved.length,
    conflictCopies,
    devices,
    heldDeletes: local?.info.held?.deletes ?? 0,
    notSynced: local?.info.notSynced ?? [],
    notSyncedCount: local?.info.notSyncedCount ?? 0,
    notWritten: local?.info.notWritten ?? [],
    notWrittenCount: local?.info.notWrittenCount ?? 0,
    notRemoved: local?.info.notRemoved ?? [],
    notRemovedCount: local?.info.notRemovedCount ?? 0,
    notListed: local?.info.notListed ?? [],
    notListedCount: local?.info.notListedCount ?? 0,
    ignoredKept: local?.info.ignoredKept ?? 0,
  };
}
