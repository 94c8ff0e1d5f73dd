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
 *   nothing new is published.
 * - Joined again where it was left, the folder still has its index: an
 *   unchanged file holds the version it held, an edit made meanwhile
 *   supersedes it, and a file missing since is not a deletion — forgotten
 *   here and fetched again (the first scan after the join only) — unless
 *   its content reappears under another name: a rename made meanwhile.
 * - A missing marker stops the folder (recorded; nothing published).
 * - More than half of the indexed paths deleted (moves aside): those
 *   deletions are held (and counted in the folder's info) unless `confirm`
 *   allows them.
 * Entries are split to stay under the entry size limit.
 *
 * Ctrl-C (`o.signal`) stops the scan before that transaction: nothing of
 * it is recorded, the next scan does it again (files/scan_stop.ts).
 *
 * This file runs the phases in order and writes what they found in one
 * transaction; each phase is a folder_scan_*.ts of its own: read (the disk,
 * against the index), changes (a version per new or changed path), deletions
 * (forgotten, held or published). The vectors both kinds of version get are
 * in folder_scan_vectors.ts, the places left out in folder_scan_apart.ts, the
 * entry splitting in folder_scan_split.ts.
 */

import { portabilityProblems } from "../files/path_portability.ts";
import type { Home } from "../storage/home_handle.ts";
import { keptPaths, type LocalFolder, sameKept } from "../storage/sql_folder_local.ts";
import { versionsOfChanges } from "./folder_scan_changes.ts";
import { deletionsOf } from "./folder_scan_deletions.ts";
import { readDisk } from "./folder_scan_read.ts";
import { commitSplit } from "./folder_scan_split.ts";
import { scanInterrupted } from "../files/scan_stop.ts";
import type { ScanPublishOptions, ScanReport } from "./folder_scan_types.ts";

export type { ScanReport } from "./folder_scan_types.ts";

/** The groups with a path among `changed`. */
function newGroups(
  groups: readonly string[][],
  changed: readonly { path: string }[],
): string[][] {
  if (groups.length === 0) return [];
  const paths = new Set(changed.map((c) => c.path));
  return groups.filter((g) => g.some((p) => paths.has(p)));
}

/**
 * Scan `folder` and publish its changes (see the module comment).
 * `confirmMassDelete` is asked when a scan would delete more than half of
 * the folder's files; without it such deletions are held.
 */
export async function scanAndPublish(
  home: Home,
  folder: LocalFolder,
  o: ScanPublishOptions = {},
): Promise<ScanReport> {
  const index = home.folderLocal.index(folder.folder);
  const base = {
    folder: folder.folder,
    published: 0,
    held: 0,
    hashedFiles: 0,
    hashedBytes: 0,
    present: 0,
  };
  // 1. The disk, against the index (folder_scan_read.ts).
  const read = await readDisk(home, folder, index, o.signal, o.roundGuard === true);
  if ("stopped" in read) {
    return {
      ...base,
      stopped: read.stopped,
      skipped: [],
      skippedChanged: false,
      caseCollisions: [],
      newCaseCollisions: [],
      unportable: [],
      linksOut: [],
    };
  }
  const { result, fs } = read;
  const self = home.device;
  const folders = home.view.folders();
  const now = home.now();
  // 2. A version per new or changed path (folder_scan_changes.ts).
  const { rows, contents, locs, blobs, ...changes } = await versionsOfChanges(
    folder.folder,
    index,
    folders,
    self.id,
    result.changed,
  );
  // 3. What went missing: forgotten, held or deleted (folder_scan_deletions.ts).
  const { deletions, forgotten, held, ...gone } = await deletionsOf(
    folder,
    index,
    folders,
    self.id,
    now,
    result.deleted,
    contents,
    o,
  );
  const ops = [...changes.ops, ...gone.ops];
  // Paths read but not published (their versions name too many devices)
  // are reported with those the disk would not let the scan read.
  const skipped = [...result.skipped, ...changes.skipped, ...gone.skipped];
  const published = new Set(
    changes.ops.flatMap(([op]) => op.type === "file.version" ? [op.version.path] : []),
  );
  const kept = keptPaths(skipped);
  const skippedChanged = !sameKept(kept, {
    list: folder.info.notSynced,
    count: folder.info.notSyncedCount,
  });
  const info = {
    ...folder.info,
    notSynced: kept.list,
    notSyncedCount: kept.count,
    ...(fs === undefined || fs.guessed ? {} : { fs }),
    stopped: "",
    rejoined: undefined,
    lastScan: now,
    ...(held > 0 ? { held: { deletes: held, of: index.size, at: now } } : { held: undefined }),
  };
  // Interrupted meanwhile (a mass deletion's question dropped, say): nothing recorded.
  if (o.signal?.aborted) throw scanInterrupted(folder.root);
  // 4. One transaction: versions, index rows and chunk places together.
  await home.write(async (w) => {
    const fl = w.folderLocal;
    for (const b of blobs) fl.putBlob(b.hash, b.bytes);
    await commitSplit(w, ops);
    for (const r of rows) fl.putIndex(folder.folder, r);
    for (const r of result.renumbered) {
      const row = fl.indexRow(folder.folder, r.path);
      if (row !== undefined) fl.putIndex(folder.folder, { ...row, ino: r.ino });
    }
    for (const [path, chunks] of locs) fl.setLocs(folder.folder, path, chunks);
    for (const r of rows) if (r.kind === "symlink") fl.setLocs(folder.folder, r.path, []);
    for (const path of [...deletions, ...forgotten]) fl.dropIndex(folder.folder, path);
    fl.setInfo(folder.folder, info);
  });
  return {
    ...base,
    published: ops.length,
    held,
    skipped,
    skippedChanged,
    caseCollisions: result.caseCollisions,
    newCaseCollisions: newGroups(result.caseCollisions, result.changed),
    unportable: result.changed.flatMap((c) =>
      portabilityProblems(c.path).map((p) => ({
        path: c.path,
        reason: `${p.name}: ${p.reason} (on ${p.system === "windows" ? "Windows" : "macOS"})`,
      }))
    ),
    // Said by the scan that publishes the link (not one that only saw its inode change).
    linksOut: result.changed.flatMap((c) =>
      c.kind === "symlink" && c.escapes && published.has(c.path)
        ? [{ path: c.path, target: c.target }]
        : []
    ),
    hashedFiles: result.stats.hashedFiles,
    hashedBytes: result.stats.hashedBytes,
    present: result.stats.present,
  };
}
