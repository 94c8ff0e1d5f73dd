/**
 * @module folder_json
 * The `--json` shapes of the folder commands that print a scan's report, a
 * folder's status or its conflicts. Keys are snake_case, as every other
 * `--json` output (json_types.ts); the reports inside mycel keep their
 * TypeScript names, so they are spelled out here field by field. Each
 * mapper takes its report apart whole: a field added to a report and not
 * here fails type-checking, so it can't go missing from `--json` unnoticed.
 */

import type { ScanReport } from "../sync/folder_scan_types.ts";
import type { CopyDetail, folderConflicts, StuckConflict } from "./folder_conflicts.ts";
import type { DeviceStanding } from "./folder_standing.ts";
import type { FolderStatus } from "./folder_view.ts";

type PathWhy = { path: string; reason: string };

/** A scan's report: `folder scan --json` (one per folder), `scan` of `folder add|join|move`. */
export interface ScanJson {
  folder: string;
  /** The name it was shared with (the id when none is known). */
  name: string;
  /** Why the folder is stopped; absent when it is not. */
  stopped?: string;
  published: number;
  held: number;
  skipped: readonly PathWhy[];
  skipped_changed: boolean;
  case_collisions: readonly string[][];
  new_case_collisions: readonly string[][];
  unportable: readonly PathWhy[];
  links_out: readonly { path: string; target: string }[];
  hashed_files: number;
  hashed_bytes: number;
  present: number;
  ignored_kept: number;
  ignored_kept_changed: boolean;
}

/** Nothing left over: a report field this module does not map is a type error. */
function none(_rest: Record<string, never>): void {}

export function scanJson(r: ScanReport): ScanJson {
  const {
    folder,
    name,
    stopped,
    published,
    held,
    skipped,
    skippedChanged,
    caseCollisions,
    newCaseCollisions,
    unportable,
    linksOut,
    hashedFiles,
    hashedBytes,
    present,
    ignoredKept,
    ignoredKeptChanged,
    // Where a stopped folder is: for its hints only (the JSON error carries them).
    root: _root,
    ...rest
  } = r;
  none(rest);
  return {
    folder,
    name: name ?? folder,
    ...(stopped !== undefined ? { stopped } : {}),
    published,
    held,
    hashed_files: hashedFiles,
    hashed_bytes: hashedBytes,
    present,
    skipped,
    skipped_changed: skippedChanged,
    case_collisions: caseCollisions,
    new_case_collisions: newCaseCollisions,
    unportable,
    links_out: linksOut,
    ignored_kept: ignoredKept,
    ignored_kept_changed: ignoredKeptChanged,
  };
}

/** One device's standing in `folder status --json`. */
export interface StandingJson {
  id: string;
  name: string;
  self: boolean;
  state: DeviceStanding["state"];
  behind_files: number;
  behind_bytes: number;
  conflicts: number;
  stopped: string | null;
  waiting_on_removed?: { name: string; files: number }[];
  waiting_on_self?: number;
  /**
   * This device only: what it holds already of the files it is fetching
   * (its transfers, durable), not counted in `behind_bytes`.
   */
  fetched_bytes?: number;
  /** Another device: when it wrote the report its standing comes from (ISO 8601); else null. */
  reported_at: string | null;
  /** This device: when it last scanned the folder (ISO 8601); else null. */
  scanned_at: string | null;
}

function standingJson(d: DeviceStanding): StandingJson {
  const {
    id,
    name,
    self,
    state,
    behindFiles,
    behindBytes,
    conflicts,
    stopped,
    waitingOnRemoved,
    waitingOnSelf,
    fetchedBytes,
    reportedMs,
    scannedMs,
    ...rest
  } = d;
  none(rest);
  return {
    id,
    name,
    self,
    state,
    behind_files: behindFiles,
    behind_bytes: behindBytes,
    conflicts,
    stopped,
    ...(waitingOnRemoved !== undefined ? { waiting_on_removed: waitingOnRemoved } : {}),
    ...(waitingOnSelf !== undefined ? { waiting_on_self: waitingOnSelf } : {}),
    ...(fetchedBytes !== undefined ? { fetched_bytes: fetchedBytes } : {}),
    reported_at: reportedMs === undefined ? null : new Date(reportedMs).toISOString(),
    scanned_at: scannedMs === undefined ? null : new Date(scannedMs).toISOString(),
  };
}

/** One folder in `folder status --json`. */
export interface FolderStatusJson {
  id: string;
  name: string;
  path: string | null;
  files: number;
  bytes: number;
  conflicts: number;
  /** Of the conflicts, files moved on one device while another edited them. */
  moved_while_edited: number;
  /** Conflict copies (NAME.sync-conflict-…) waiting for the user to keep or delete. */
  conflict_copies: number;
  devices: StandingJson[];
  held_deletes: number;
  not_synced: PathWhy[];
  not_synced_count: number;
  not_written: PathWhy[];
  not_written_count: number;
  not_removed: PathWhy[];
  not_removed_count: number;
  not_listed: PathWhy[];
  not_listed_count: number;
  /** Files synced before that the ignore rules match now, kept as they are (edits don't sync). */
  ignored_kept: number;
}

export function folderStatusJson(s: FolderStatus): FolderStatusJson {
  const {
    id,
    name,
    path,
    files,
    bytes,
    conflicts,
    movedWhileEdited,
    conflictCopies,
    devices,
    heldDeletes,
    notSynced,
    notSyncedCount,
    notWritten,
    notWrittenCount,
    notRemoved,
    notRemovedCount,
    notListed,
    notListedCount,
    ignoredKept,
    ...rest
  } = s;
  none(rest);
  return {
    id,
    name,
    path,
    files,
    bytes,
    conflicts,
    moved_while_edited: movedWhileEdited,
    conflict_copies: conflictCopies,
    devices: devices.map(standingJson),
    held_deletes: heldDeletes,
    not_synced: notSynced,
    not_synced_count: notSyncedCount,
    not_written: notWritten,
    not_written_count: notWrittenCount,
    not_removed: notRemoved,
    not_removed_count: notRemovedCount,
    not_listed: notListed,
    not_listed_count: notListedCount,
    ignored_kept: ignoredKept,
  };
}

/** One folder in `folder conflicts --json`; the lists after `copies` are absent when empty. */
export interface ConflictsJson {
  id: string;
  unresolved: string[];
  copies: string[];
  waiting_on_removed?: StuckConflict[];
  cannot_end?: PathWhy[];
  /** Copies this device ignores: never written here. */
  ignored_here?: string[];
  /**
   * Conflicts (among `unresolved`) that are a file moved on one device while
   * another edited it: the edit at `path`, the content before it at `moved_to`.
   */
  moved_while_edited?: {
    path: string;
    moved_to: string;
    /** Short id and name ("this device" for this one) of the device that moved it. */
    moved_by: string;
    moved_by_name: string;
    /** The same of the device whose edit is at `path`. */
    edited_by: string;
    edited_by_name: string;
    /**
     * True when the edit is to be carried to `moved_to` (a device that holds
     * it does so in its next round): nothing to do. False: both stay.
     */
    carrying: boolean;
  }[];
  /** What each copy holds, as its name says (`of` only when that file exists); absent when none. */
  copy_details?: {
    path: string;
    of?: string;
    /** The path it is a version of, a folder now (a file turned into a folder won over it). */
    of_folder?: string;
    device: string;
    device_name?: string;
    modified: string;
  }[];
}

export function conflictsJson(
  c: { id: string } & ReturnType<typeof folderConflicts>,
): ConflictsJson {
  const {
    id,
    unresolved,
    copies,
    waitingOnRemoved,
    cannotEnd,
    ignoredHere,
    moved,
    details,
    ...rest
  } = c;
  none(rest);
  return {
    id,
    unresolved,
    copies,
    ...(waitingOnRemoved !== undefined ? { waiting_on_removed: waitingOnRemoved } : {}),
    ...(cannotEnd !== undefined ? { cannot_end: cannotEnd } : {}),
    ...(ignoredHere !== undefined ? { ignored_here: ignoredHere } : {}),
    ...(moved !== undefined
      ? {
        moved_while_edited: moved.map((m) => ({
          path: m.path,
          moved_to: m.movedTo,
          moved_by: m.movedById,
          moved_by_name: m.movedBy,
          edited_by: m.editedById,
          edited_by_name: m.editedBy,
          carrying: m.carrying,
        })),
      }
      : {}),
    ...(details.length > 0 ? { copy_details: details.map(copyDetailJson) } : {}),
  };
}

function copyDetailJson(d: CopyDetail): NonNullable<ConflictsJson["copy_details"]>[number] {
  return {
    path: d.path,
    ...(d.of !== undefined ? { of: d.of } : {}),
    ...(d.ofFolder !== undefined ? { of_folder: d.ofFolder } : {}),
    device: d.device,
    ...(d.deviceName !== undefined ? { device_name: d.deviceName } : {}),
    modified: new Date(d.modifiedMs).toISOString().replace(".000Z", "Z"),
  };
}
