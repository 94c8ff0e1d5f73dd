/**
 * @module folder_scan_publish
 * The last phases of a scan (folder_scan.ts), once every folder of the
 * command is read and its moves are known (folder_scan_moves.ts): what to
 * do with the paths gone (folder_scan_deletions.ts), then the one
 * transaction that records the folder's versions, index rows, chunk places
 * and info, and the report of it. Apart because it is the one part of a
 * scan that writes.
 */

import { portabilityProblems } from "../files/path_portability.ts";
import type { ScanResult } from "../files/scan_types.ts";
import { scanInterrupted } from "../files/scan_stop.ts";
import type { Home } from "../storage/home_handle.ts";
import { keptPaths, sameKept } from "../storage/folder_info.ts";
import type { Changes } from "./folder_scan_changes.ts";
import { deletionsOf } from "./folder_scan_deletions.ts";
import type { MoveScan } from "./folder_scan_moves.ts";
import type { FolderFs } from "./folder_fs.ts";
import { commitSplit } from "./folder_scan_split.ts";
import { stillAsRead } from "./folder_scan_as_read.ts";
import { addMovedNotes } from "./moved_kept.ts";
import { movedHere } from "./moved_here.ts";
import type { ScanPublishOptions, ScanReport } from "./folder_scan_types.ts";

/** One folder's scan read and its changes made into versions: nothing recorded yet. */
export interface ReadScan extends MoveScan {
  readonly result: ScanResult;
  readonly fs: FolderFs | undefined;
  readonly changes: Changes;
}

/** The counts of a report before anything is found. */
export function emptyReport(folder: string) {
  return {
    folder,
    published: 0,
    held: 0,
    hashedFiles: 0,
    hashedBytes: 0,
    present: 0,
    ignoredKept: 0,
    ignoredKeptChanged: false,
  };
}

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
 * 4 and 5: the deletions of a scan read (`moves` among them), then its one
 * transaction; undefined, nothing recorded, when the folder is no longer
 * as it was read (folder_scan_as_read.ts).
 */
export async function publishScan(
  home: Home,
  scan: ReadScan,
  moves: ReadonlySet<string>,
  o: ScanPublishOptions,
): Promise<ScanReport | undefined> {
  const { folder, index, result, fs } = scan;
  const { rows, locs, blobs, ...changes } = scan.changes;
  const now = home.now();
  // 4. What went missing: forgotten, held or deleted (folder_scan_deletions.ts).
  const { deletions, forgotten, held, ...gone } = await deletionsOf(
    folder,
    index,
    home.view.folders(),
    home.device.id,
    now,
    result.deleted,
    moves,
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
  // Synced before, ignored now: said when the count changes (not every 30 s).
  const ignoredKept = result.stats.ignoredKept;
  // What the scan sets of the folder's info, over what the info is when it
  // is recorded (a `folder retention` meanwhile is kept).
  const scanned = {
    notSynced: kept.list,
    notSyncedCount: kept.count,
    ignoredKept: ignoredKept > 0 ? ignoredKept : undefined,
    ...(fs === undefined || fs.guessed ? {} : { fs }),
    stopped: "",
    rejoined: undefined,
    lastScan: now,
    ...(held > 0 ? { held: { deletes: held, of: index.size, at: now } } : { held: undefined }),
  };
  // Interrupted meanwhile (a mass deletion's question dropped, say): nothing recorded.
  if (o.signal?.aborted) throw scanInterrupted(folder.root);
  // 5. One transaction: versions, index rows and chunk places together.
  const recorded = await home.write(async (w) => {
    const fl = w.folderLocal;
    // Left, moved or recorded by another scan meanwhile: nothing, the next scan reads it again.
    const paths = [...rows.map((r) => r.path), ...deletions, ...forgotten];
    if (!stillAsRead(fl, folder, index, paths)) return false;
    for (const b of blobs) fl.putBlob(b.hash, b.bytes);
    await commitSplit(w, ops);
    for (const r of rows) fl.putIndex(folder.folder, r);
    for (const r of result.renumbered) {
      const row = fl.indexRow(folder.folder, r.path);
      if (row !== undefined) fl.putIndex(folder.folder, { ...row, ino: r.ino });
    }
    for (const [path, chunks] of locs) fl.setLocs(folder.folder, path, chunks);
    for (const r of rows) if (r.kind !== "file") fl.setLocs(folder.folder, r.path, []);
    for (const path of [...deletions, ...forgotten]) fl.dropIndex(folder.folder, path);
    fl.setInfo(folder.folder, { ...fl.folder(folder.folder)!.info, ...scanned });
    return true;
  }, { signs: ops.length > 0 });
  if (!recorded) return undefined;
  // a.txt's content now at b.txt (a swap made here): noted as a receiving device notes it.
  await addMovedNotes(home, folder.folder, movedHere(index.rows, rows, now));
  return {
    ...emptyReport(folder.folder),
    published: ops.length,
    held,
    skipped,
    skippedChanged,
    caseCollisions: result.caseCollisions,
    // Said by the scan that publishes the name: a file read again only for
    // its racy row (scan_file.ts), keeping its version, publishes nothing.
    newCaseCollisions: newGroups(
      result.caseCollisions,
      result.changed.filter((c) => published.has(c.path)),
    ),
    unportable: result.changed.filter((c) => published.has(c.path)).flatMap((c) =>
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
    ignoredKept,
    ignoredKeptChanged: ignoredKept !== (folder.info.ignoredKept ?? 0),
  };
}
