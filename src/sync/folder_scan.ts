/**
 * @module folder_scan
 * Scan a folder this device syncs and publish what changed: one file
 * version per new, changed or deleted path, in signed entries, in the same
 * transaction as the index rows and chunk places that describe the disk.
 *
 * - A changed file's vector is the vector of the version the disk held
 *   (index) bumped by this device: a local edit never claims to have seen
 *   a remote version it did not hold, so an edit racing one is a conflict.
 *   A new file where the state says "deleted" supersedes those deletions.
 * - A file whose content and mtime equal a version of the state at its path
 *   (it was written by mycel, or made identically elsewhere) adopts it:
 *   nothing new is published. At a path never indexed here (a join onto a
 *   copy) the same content and exec bit are enough: the round then gives
 *   the file the version's mtime (folder_scan_changes.ts); at the first
 *   scan after a join, a file holding what a deletion there deleted is that
 *   file, undone by it, not a new one (folder_scan_vectors.ts joinedVector).
 * - Joined again where it was left, the folder still has its index: an
 *   unchanged file holds the version it held, an edit made meanwhile
 *   supersedes it, and a file missing since is not a deletion — forgotten
 *   here and fetched again (the first scan after the join only) — unless
 *   its content reappears under another name: a rename made meanwhile.
 * - A missing marker stops the folder (recorded; nothing published).
 * - More than half of the indexed paths deleted (moves aside, into another
 *   folder synced here too): those deletions are held (and counted in the
 *   folder's info) unless `confirm` allows them.
 * Entries are split to stay under the entry size limit.
 *
 * Folders scanned by one command are all read (phases 1 and 2, no write)
 * before any has its deletions decided and recorded (phases 4 and 5, one
 * short transaction each): a file moved from one into another is then a
 * move whichever is scanned first (phase 3).
 *
 * Ctrl-C (`o.signal`) stops the scan before those transactions: nothing of
 * a folder not yet recorded is, the next scan does it again
 * (files/scan_stop.ts).
 *
 * This file runs the phases in order and writes what they found in one
 * transaction a folder; each phase is a folder_scan_*.ts of its own: read
 * (the disk, against the index), changes (a version per new or changed
 * path), moves (deletions whose content is found again), deletions
 * (forgotten, held or published). The vectors both kinds of version get are
 * in folder_scan_vectors.ts, the places left out in folder_scan_apart.ts, the
 * entry splitting in folder_scan_split.ts.
 */

import { humanBytes, plural } from "../human.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { versionsOfChanges } from "./folder_scan_changes.ts";
import { versionsOfDirs } from "./folder_scan_dirs.ts";
import { movesOf } from "./folder_scan_moves.ts";
import { emptyReport, publishScan, type ReadScan } from "./folder_scan_publish.ts";
import { readDisk } from "./folder_scan_read.ts";
import type { ScanPublishOptions, ScanReport } from "./folder_scan_types.ts";
import { folderLabel, folderName } from "./folder_label.ts";

export type { ScanReport } from "./folder_scan_types.ts";

/**
 * Scan `folders` and publish their changes (see the module comment): every
 * folder's disk is read first, then each one's deletions are decided and
 * recorded in its own transaction, in order. `o.confirmMassDelete` is asked
 * when a scan would delete more than half of a folder's files; without it
 * such deletions are held. `o.progress` says which folder is read. A folder
 * removed, moved or recorded by another scan meanwhile records nothing and
 * has no report (folder_scan_as_read.ts).
 */
export async function scanAndPublish(
  home: Home,
  folders: readonly LocalFolder[],
  o: ScanPublishOptions & { progress?: (text: string) => void } = {},
): Promise<ScanReport[]> {
  const reads: (ReadScan | ScanReport)[] = [];
  for (const f of folders) {
    o.progress?.(`scanning ${folderLabel(home, f.folder)}…`);
    reads.push(await readScan(home, f, o));
  }
  o.progress?.(""); // a mass deletion's question comes on a clean line
  const scans = reads.filter((r): r is ReadScan => "changes" in r);
  // 3. Which deletions are moves: in the same folder, or into another one
  // (folder_scan_moves.ts). After every read, so the answer does not depend
  // on which of two folders is scanned first.
  const moves = await movesOf(home, scans, o.signal);
  const out: ScanReport[] = [];
  for (const r of reads) {
    const report = "changes" in r ? await publishScan(home, r, moves.get(r.folder.folder)!, o) : r;
    if (report !== undefined) out.push({ ...report, name: folderName(home, report.folder) });
  }
  return out;
}

/** 1 and 2: read `folder`'s disk; a version per new or changed path. */
async function readScan(
  home: Home,
  folder: LocalFolder,
  o: ScanPublishOptions & { progress?: (text: string) => void },
): Promise<ReadScan | ScanReport> {
  const index = home.folderLocal.index(folder.folder);
  // 1. The disk, against the index (folder_scan_read.ts).
  // How far it is, on a terminal: a large folder's first scan takes minutes.
  const said = o.progress;
  const label = folderLabel(home, folder.folder);
  const read = await readDisk(
    home,
    folder,
    index,
    o.signal,
    o.roundGuard === true,
    said &&
      ((p) => said(`scanning ${label}… ${plural(p.files, "file")}, ${humanBytes(p.bytes)} read`)),
  );
  if ("stopped" in read) {
    return {
      ...emptyReport(folder.folder),
      stopped: read.stopped,
      root: folder.root,
      skipped: [],
      skippedChanged: false,
      caseCollisions: [],
      newCaseCollisions: [],
      unportable: [],
      linksOut: [],
    };
  }
  const { result, fs } = read;
  // 2. A version per new or changed path (folder_scan_changes.ts).
  const changes = await versionsOfChanges(
    folder.folder,
    index,
    home.view.folders(),
    home.device.id,
    result.changed,
    {
      restored: o.restored?.folder === folder.folder ? new Set(o.restored.paths) : undefined,
      // The first scan after a join (not one where it was left: that has its index).
      joined: folder.info.lastScan === undefined && folder.info.rejoined !== true,
    },
  );
  // Folders with nothing synced in them (folder_scan_dirs.ts): published as such.
  const dirs = versionsOfDirs(
    folder.folder,
    index,
    home.view.folders(),
    home.device.id,
    home.now(),
    result.emptyDirs,
  );
  changes.ops.push(...dirs.ops);
  changes.rows.push(...dirs.rows);
  changes.skipped.push(...dirs.skipped);
  return {
    folder,
    index,
    deleted: result.deleted,
    contents: changes.contents,
    rows: changes.rows,
    result,
    fs,
    changes,
  };
}
