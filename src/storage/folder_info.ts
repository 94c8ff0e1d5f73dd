/**
 * @module folder_info
 * The local facts about one synced folder that change (`folder_local.info`,
 * JSON): why it is stopped, held deletions, the last scan and sweep, what
 * its file system can do, and the paths that could not be synced, written
 * or removed. Path lists are kept short ({@link NOT_SYNCED_KEPT} and a
 * count) and dropped when the folder stops: they describe a disk that is
 * not there now. Pure: no database, no disk (sql_folder_local.ts stores it).
 */

/** Local facts about one folder that change (JSON in `folder_local.info`). */
export interface FolderInfo {
  /** Why it is stopped ("" or absent when it is not). */
  stopped?: string;
  /**
   * Joined again where it was left, with the index it had then: the next
   * scan does not publish the files missing since as deletions (a folder
   * emptied to start over must not empty it everywhere); they come back.
   */
  rejoined?: boolean;
  /** Deletions a scan held back, waiting for confirmation. */
  held?: { deletes: number; of: number; at: number };
  /** When it was last scanned (ms). */
  lastScan?: number;
  /** The folder frontier (author hex → seq) when nothing was left to apply. */
  applied?: Record<string, number>;
  /** The last progress record published, as JSON text (to publish only changes). */
  published?: string;
  /** Days to keep replaced and deleted files (default 30). */
  keepDays?: number;
  /** When stale temporary files and old kept versions were last swept (ms). */
  swept?: number;
  /**
   * What the folder's file system can do (src/sync/folder_fs.ts), probed
   * once per disk: `dev` is the root's device number and `type` its mount's
   * type when it was probed; `guessed` when a probe could not run (never kept).
   */
  fs?: { dev: number; type?: string; modes: boolean; ignoresCase: boolean; guessed?: boolean };
  /**
   * Paths the last scan could not sync (unreadable, special files, names
   * that can't sync), the first {@link NOT_SYNCED_KEPT}, and how many in all;
   * for `folder status`, and so `sync now` says them only when they change.
   */
  notSynced?: { path: string; reason: string }[];
  notSyncedCount?: number;
  /**
   * Paths the last round could not write here (a name this disk can't hold,
   * a full disk, a folder in the way, …), kept the same way: without them
   * `folder status` could say "behind" but not why, and `sync now --json`
   * prints peers only.
   */
  notWritten?: { path: string; reason: string }[];
  notWrittenCount?: number;
  /**
   * Kept versions past the retention that the last sweep could not remove
   * (another user's file under `.mycel/versions/`, say), kept the same way.
   */
  notRemoved?: { path: string; reason: string }[];
  notRemovedCount?: number;
  /**
   * Folders under `.mycel/versions/` the last sweep could not list (what
   * they hold is neither known nor pruned), kept the same way. Before, they
   * were in `notRemoved`, said as old versions that can't be removed.
   */
  notListed?: { path: string; reason: string }[];
  notListedCount?: number;
  /**
   * Files the last scan found the ignore rules match now that were synced
   * before and are still on disk: they stay as they are on every device
   * and edits to them no longer sync. For `folder status`, and so `sync
   * now` says it only when the count changes.
   */
  ignoredKept?: number;
  /**
   * Old paths of the files moved on one device while another edited them
   * (src/files/moved_edited.ts) that `sync now` has said here, so it says
   * each once, when it appears (src/sync/moved_said.ts).
   */
  movedSaid?: string[];
  /**
   * Past the first 1000 of them by path, SHA-256 (hex) of the rest's set as
   * last said (as one count line): a digest, so the info stays bounded.
   */
  movedSaidRest?: string;
  /**
   * Those of them whose edit another device, or a later round, is to carry
   * to where the file moved (src/sync/folder_apply_carry.ts): old path, new
   * path, the edit's content digest and the editing and moving devices (hex
   * keys), so the round that sees it carried says so once.
   */
  carryWaiting?: { path: string; to: string; content: string; editedBy: string; movedBy: string }[];
}

/** How many not-synced (or not-written) paths a folder's info keeps. */
export const NOT_SYNCED_KEPT = 20;

/** A path list as a folder's info keeps it: the first {@link NOT_SYNCED_KEPT} and the count. */
export function keptPaths(
  all: readonly { path: string; reason: string }[],
): { list?: { path: string; reason: string }[]; count?: number } {
  if (all.length === 0) return {};
  return {
    list: all.slice(0, NOT_SYNCED_KEPT).map((p) => ({ path: p.path, reason: p.reason })),
    count: all.length,
  };
}

/** True when two kept lists (as {@link keptPaths} gives them) say the same. */
export function sameKept(
  a: { list?: readonly { path: string; reason: string }[]; count?: number },
  b: { list?: readonly { path: string; reason: string }[]; count?: number },
): boolean {
  return JSON.stringify([a.list ?? [], a.count ?? 0]) ===
    JSON.stringify([b.list ?? [], b.count ?? 0]);
}

/**
 * The info of a folder that stops: why, and no path lists (they describe a
 * disk that is not there now; a scan after it comes back says them anew).
 */
export function stoppedInfo(info: FolderInfo, stopped: string): FolderInfo {
  return { ...withoutPathLists(info), stopped };
}

/** `info` without its path lists (not synced, written, removed, listed), which describe one disk. */
export function withoutPathLists(info: FolderInfo): FolderInfo {
  return {
    ...info,
    notSynced: undefined,
    notSyncedCount: undefined,
    notWritten: undefined,
    notWrittenCount: undefined,
    notRemoved: undefined,
    notRemovedCount: undefined,
    notListed: undefined,
    notListedCount: undefined,
  };
}
