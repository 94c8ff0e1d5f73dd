/**
 * @module folder_scan_types
 * What scanning a folder is given and what it reports (folder_scan.ts runs
 * it; its phases, folder_scan_*.ts, fill the report). Apart so that the
 * phases and the commands that print a report can name them without
 * importing the scan.
 */

/** How to scan and publish. */
export interface ScanPublishOptions {
  /**
   * Asked when a scan would delete more than half of `folder`'s files (at
   * `root`, for the way back it names); without it such deletions are held.
   */
  confirmMassDelete?: (
    folder: string,
    deletes: number,
    of: number,
    root: string,
    /** How to name it to a person: its name with its id (folder_label.ts). */
    label?: string,
  ) => Promise<boolean> | boolean;
  /**
   * Ctrl-C or SIGTERM: the scan stops (files/scan_stop.ts) and throws
   * `sync_interrupted`; the folder's index, info and the log stay as they
   * were — a scan commits in one transaction at its end, or not at all.
   * Folders scanned together are all read before any is recorded: a stop
   * while they are read records none of them.
   */
  signal?: AbortSignal;
  /**
   * This process holds the home's round guard (`sync now`,
   * storage/round_lock.ts): swaps are made only by rounds, so no other
   * process of this home is inside one, and a hold the scan finds was left
   * by a process that died — settled at once, not after STALE_HOLD_MS.
   */
  roundGuard?: boolean;
  /**
   * A path `folder restore` just put back: the user's word that its
   * content is what they want. Its version covers the deletions the state
   * holds there as well as what the disk held: one made elsewhere of that
   * same content (a restore of the bytes it deleted) would undo it, as it
   * undoes a mere touch (src/files/conflict.ts). Edits it did not see stay
   * concurrent, as for any edit: the newer mtime (the restore's) wins and
   * they are kept as conflict copies.
   */
  restored?: { readonly folder: string; readonly paths: readonly string[] };
}

/** What a scan did. */
export interface ScanReport {
  readonly folder: string;
  /** The name it was shared with: its lines say it with the id (folder_label.ts). */
  readonly name?: string;
  /** Why the folder is stopped, if it is. */
  readonly stopped?: string;
  /** Where it is synced, when it is stopped (for the marker its hints name). */
  readonly root?: string;
  /** Versions published (files, links, deletions). */
  readonly published: number;
  /** Deletions held back for confirmation. */
  readonly held: number;
  /** Paths not synced, with why. */
  readonly skipped: readonly { path: string; reason: string }[];
  /** True when `skipped` is not what the scan before found (worth saying again). */
  readonly skippedChanged: boolean;
  /** Present paths that differ only in case or normalization. */
  readonly caseCollisions: readonly string[][];
  /** Those of {@link ScanReport.caseCollisions} with a path new or changed in this scan. */
  readonly newCaseCollisions: readonly string[][];
  /** New or changed paths whose names would not work on another system (synced as they are). */
  readonly unportable: readonly { path: string; reason: string }[];
  /**
   * Links this scan published whose target lies outside the folder (absolute,
   * or climbing above it): synced as links and never followed, but on
   * another device they point at whatever is at that place there.
   */
  readonly linksOut: readonly { path: string; target: string }[];
  /** Files read and bytes hashed. */
  readonly hashedFiles: number;
  readonly hashedBytes: number;
  /** Files and links present. */
  readonly present: number;
  /**
   * Files and links synced before that the ignore rules match now, still on
   * disk (ScanStats.ignoredKept): kept as they are, edits to them not synced.
   */
  readonly ignoredKept: number;
  /** True when {@link ScanReport.ignoredKept} is not what the scan before found. */
  readonly ignoredKeptChanged: boolean;
}
