/**
 * @module sync_folders_json
 * Each folder's outcome of a `sync now` round as JSON (`sync now --json
 * --folders`): what the text says of it (local changes published, changes applied, bytes fetched,
 * files still to come, files nobody can send, paths not written, stopped
 * and why, with the hint), in one shape for every folder. Without it, a
 * round that exits 3 only because files are still to come said nothing of
 * why on standard output. Apart from sync_folders_report.ts, which says the
 * same as text.
 */

import type { FolderOutcome } from "../sync/folder_round.ts";
import type { ScanReport } from "../sync/folder_scan.ts";
import { stoppedHints } from "./folder_stopped.ts";
import { sizeOf } from "./unfetchable_report.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { keptPaths } from "../storage/folder_info.ts";

/** One folder's outcome of a round. */
export interface SyncFolderJson {
  id: string;
  /** The name it was shared with (the id when none is known), as `folder status --json` gives it. */
  name: string;
  /**
   * "complete": nothing a later round can fetch is missing; "partial": files
   * still to come (the round exits 3 for it); "stopped": the folder is
   * stopped (the round exits 1); "interrupted": the round's signal stopped
   * it — `sync now` never prints that one: on Ctrl-C or SIGTERM its document
   * goes out at once, with `folders` null (docs/folders.md).
   */
  state: "complete" | "partial" | "stopped" | "interrupted";
  /** Changes made on this device that the scan before the round published (they travel in it). */
  published: number;
  /** Changes applied to the folder this round (files, links, removals). */
  applied: number;
  /** Bytes fetched from peers this round. */
  fetched_bytes: number;
  /** Files a later round can still fetch, and their bytes. */
  to_come: { files: number; bytes: number };
  /** Files no device syncing the folder has any more (no round gets them), and their bytes. */
  unfetchable: { files: number; bytes: number };
  /**
   * Paths this round could not write here, and why: at most 20, the same
   * list and count `folder status --json` gives under the same two names
   * (before, a bare count here under the name that is a list there).
   */
  not_written: { path: string; reason: string }[];
  not_written_count: number;
  /** Why it is stopped; null when it is not. */
  stopped: string | null;
  /** What to do about it being stopped; null when it is not, or nothing helps. */
  hint: string | null;
  /**
   * Edits of a file moved on one device while another edited it, carried
   * this round to where it moved (said once, as the text says them): the
   * old path, the new one, and the editing and moving devices (short id and
   * name, "this device" for this one). Empty when none.
   */
  carried: {
    path: string;
    moved_to: string;
    edited_by: string;
    edited_by_name: string;
    moved_by: string;
    moved_by_name: string;
  }[];
  /**
   * Conflict copies this round wrote here (paths in the folder): a file
   * edited on two devices at once, both versions kept. Empty when none.
   */
  conflict_copies: string[];
}

/** The folders' outcomes, in the order the round applied them. */
export function foldersJson(
  applied: readonly FolderOutcome[],
  scans: readonly ScanReport[],
): SyncFolderJson[] {
  const published = new Map(scans.map((s) => [s.folder, s.published]));
  return applied.map((f) => {
    const a = f.apply;
    const unfetchable = a?.unfetchable ?? [];
    const toCome = a === undefined ? 0 : Math.max(0, a.needFiles - unfetchable.length);
    const toComeBytes = a === undefined ? 0 : Math.max(0, a.needBytes - sizeOf(unfetchable));
    const hints = f.stopped ? stoppedHints(f.folder, f.stopped, f.root) : [];
    return {
      id: f.folder,
      name: f.name ?? f.folder,
      state: f.stopped
        ? "stopped"
        : f.interrupted || a?.interrupted
        ? "interrupted"
        : toCome > 0
        ? "partial"
        : "complete",
      published: published.get(f.folder) ?? 0,
      applied: a?.done ?? 0,
      fetched_bytes: a?.fetchedBytes ?? 0,
      conflict_copies: [...(a?.copiesMade ?? [])].sort(),
      to_come: { files: toCome, bytes: toComeBytes },
      unfetchable: { files: unfetchable.length, bytes: sizeOf(unfetchable) },
      not_written: keptPaths(a?.problems ?? []).list ?? [],
      not_written_count: a?.problems.length ?? 0,
      stopped: f.stopped ? f.stopped.replace(/^folder stopped: /, "") : null,
      hint: hints.length > 0 ? hints.join(" ") : null,
      carried: (f.carried ?? []).map((m) => ({
        path: m.path,
        moved_to: m.movedTo,
        edited_by: deviceOfHex(m.editedById).short,
        edited_by_name: m.editedBy,
        moved_by: deviceOfHex(m.movedById).short,
        moved_by_name: m.movedBy,
      })),
    };
  });
}
