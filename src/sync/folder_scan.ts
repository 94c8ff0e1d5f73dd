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
 * - More than half of the indexed paths deleted: the deletions are held
 *   (and counted in the folder's info) unless `confirm` allows them.
 * Entries are split to stay under the entry size limit.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8 } from "../bytes.ts";
import { isMycelError } from "../errors.ts";
import { lazyImport } from "../lazy_import.ts";
import { DEFAULT_CHUNK_PARAMS } from "../files/chunk_params.ts";
import { sameContent } from "../files/conflict.ts";
import { decodeFileVersion, encodeFileVersion, type FileVersion } from "../files/file_version.ts";
import { indexedEntryOf } from "../files/file_index.ts";
import { gearSeedFromSecret } from "../files/gear_seed.ts";
import { makeChunkList } from "../files/manifest_tree.ts";
import { realOr, scanFolder } from "../files/scan.ts";
import { foldName, foldPath, portabilityProblems } from "../files/path_portability.ts";
import { MARKER_NAME } from "../files/folder_layout.ts";
import type { ScanOptions, ScanResult } from "../files/scan_types.ts";
import { bumpVv, mergeVv, type VersionVector } from "../files/version_vector.ts";
import type { DeviceId } from "../log/device_id.ts";
import { versionId } from "../log/folder_state.ts";
import type { Op } from "../log/ops.ts";
import type { Home } from "../storage/home_handle.ts";
import {
  type IndexRow,
  keptPaths,
  type LocalFolder,
  sameKept,
  stoppedInfo,
} from "../storage/sql_folder_local.ts";
import { type FolderFs, folderFs } from "./folder_fs.ts";

/** The mesh's chunking: fixed parameters, gear seed from the mesh id (docs/folders.md). */
export function chunkSettings(meshId: string) {
  const secret = sha256(concatBytes(utf8("mycel/files/interim-mesh-secret\0"), utf8(meshId)));
  return { params: DEFAULT_CHUNK_PARAMS, seed: gearSeedFromSecret(secret) };
}

/** What a scan did. */
export interface ScanReport {
  readonly folder: string;
  /** Why the folder is stopped, if it is. */
  readonly stopped?: string;
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
  /** Files read and bytes hashed. */
  readonly hashedFiles: number;
  readonly hashedBytes: number;
  /** Files and links present. */
  readonly present: number;
}

/** Most encoded version bytes per entry (entries are at most 1 MiB). */
const ENTRY_BYTES = 900_000;
/** Most ops per entry. */
const ENTRY_OPS = 4000;

/** Commit `ops` (with sizes) as as few entries as fit. */
export async function commitSplit(
  w: { commit(ops: readonly Op[]): Promise<unknown> },
  ops: readonly [Op, number][],
): Promise<void> {
  let batch: Op[] = [], bytes = 0;
  for (const [op, size] of ops) {
    if (batch.length > 0 && (bytes + size > ENTRY_BYTES || batch.length >= ENTRY_OPS)) {
      await w.commit(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(op);
    bytes += size + 64;
  }
  if (batch.length > 0) await w.commit(batch);
}

/**
 * What this device had seen of a path: the vector of the version its file
 * held — merged with every version of the folder there whose content was
 * that same content (two devices writing the same bytes at once leave two
 * versions and no conflict; the next edit of either must cover both, or the
 * other would come back as a conflict copy of content everyone had).
 */
function heldVector(row: IndexRow | undefined, stateVersions: FileVersion[]): VersionVector {
  if (row?.version) {
    const held = decodeFileVersion(row.version);
    let vv: VersionVector = held.vv;
    for (const v of stateVersions) {
      const same = sameContent(v, held) &&
        (v.kind !== "file" || (held.kind === "file" && v.exec === held.exec));
      if (same) vv = mergeVv(vv, v.vv);
    }
    return vv;
  }
  let vv: VersionVector = new Map();
  for (const v of stateVersions) if (v.kind === "deleted") vv = mergeVv(vv, v.vv);
  return vv;
}

/**
 * The vector of this device's next version of a path: what it held, one
 * change more — and its own counter above every counter of its own the
 * folder's versions of that path carry. Without an index row (the folder
 * was removed here and joined again) the held vector is empty, and `{self:
 * 1}` would be a counter this device already used: a new edit would look
 * older than the version it published before and be dropped everywhere.
 */
function nextVector(
  held: VersionVector,
  stateVersions: readonly FileVersion[],
  self: DeviceId,
): Map<DeviceId, number> {
  const out = bumpVv(held, self);
  let top = 0;
  for (const v of stateVersions) top = Math.max(top, v.vv.get(self) ?? 0);
  if (out.get(self)! <= top) out.set(self, top + 1);
  return out;
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
 * Scan `folder` and publish its changes (see the module comment).
 * `confirmMassDelete` is asked when a scan would delete more than half of
 * the folder's files; without it such deletions are held.
 */
export async function scanAndPublish(
  home: Home,
  folder: LocalFolder,
  o: { confirmMassDelete?: (deletes: number, of: number) => Promise<boolean> | boolean } = {},
): Promise<ScanReport> {
  const index = home.folderLocal.index(folder.folder);
  const settings = chunkSettings(home.meshId);
  const base = {
    folder: folder.folder,
    published: 0,
    held: 0,
    hashedFiles: 0,
    hashedBytes: 0,
    present: 0,
  };
  let result: ScanResult;
  let fs: FolderFs | undefined;
  try {
    fs = folderFs(folder);
    result = await scanFolder(folder.root, index, {
      ...settings,
      execOf: fs?.modes !== false ? undefined : (path) => execOfIndexed(home, folder, path),
      // FAT-like: no permission bits, no kept inode numbers either.
      stableInodes: fs?.modes !== false,
      // The home inside a synced folder: its keys and database never leave the
      // device; another folder synced here is synced on its own.
      ...apartOptions(home, folder),
    });
  } catch (e) {
    if (!isMycelError(e, "folder_stopped") && !isMycelError(e, "bad_ignore_file")) throw e;
    const stopped = (e as Error).message.replace(/^Cannot [^:]*: /, "");
    await home.write((w) =>
      w.folderLocal.setInfo(folder.folder, stoppedInfo(folder.info, stopped))
    );
    return {
      ...base,
      stopped,
      skipped: [],
      skippedChanged: false,
      caseCollisions: [],
      newCaseCollisions: [],
      unportable: [],
    };
  }
  if (result.holds.length > 0) {
    // A write or deletion cut short inside its swap left a hold: settled once
    // stale (minutes), not only at the hourly sweep — until then the name is
    // empty and a peer's newer version of it is refused. Best effort.
    const { settleStaleHolds } = await lazyImport<typeof import("../files/stale_temps.ts")>(
      new URL("../files/stale_temps.ts", import.meta.url),
    );
    await settleStaleHolds(folder.root, result.holds, { now: home.now() }).catch(() => []);
  }
  let deletions = result.deleted;
  let held = 0;
  const self = home.device;
  const folders = home.view.folders();
  const now = home.now();
  const ops: [Op, number][] = [];
  const rows: IndexRow[] = [];
  const contents: FileVersion[] = [];
  const locs: [string, readonly { hash: string; length: number }[]][] = [];
  const blobs: { hash: string; bytes: Uint8Array }[] = [];
  for (const c of result.changed) {
    const row = index.rows.get(c.path);
    const stateVersions = folders.versionsAt(folder.folder, c.path).map((v) =>
      decodeFileVersion(v.bytes)
    );
    let content: FileVersion;
    if (c.kind === "file") {
      const list = await makeChunkList(c.chunks);
      blobs.push(...list.blobs);
      content = {
        kind: "file",
        path: c.path,
        mtime: c.mtimeMs,
        modifiedBy: self.id,
        vv: new Map(),
        size: c.size,
        exec: c.exec,
        chunks: list.list,
      };
      locs.push([c.path, c.chunks]);
    } else {
      content = {
        kind: "symlink",
        path: c.path,
        mtime: c.mtimeMs,
        modifiedBy: self.id,
        vv: new Map(),
        target: c.target,
      };
    }
    const unchanged = (v: FileVersion) =>
      sameContent(v, content) && v.mtime === content.mtime &&
      (v.kind !== "file" || (content.kind === "file" && v.exec === content.exec));
    // The disk still holds what the index says it held, read again only
    // because its inode changed (a copy put back with `cp -a`, a folder moved
    // to another disk): not an edit. Published as one, it was concurrent with
    // every change made elsewhere meanwhile — a needless conflict copy, a
    // deletion undone everywhere (a chaos soak).
    const heldBytes = row?.version ?? undefined;
    const same = stateVersions.find(unchanged);
    let bytes: Uint8Array;
    if (heldBytes !== undefined && unchanged(decodeFileVersion(heldBytes))) {
      bytes = heldBytes;
    } else if (same !== undefined) {
      bytes = encodeFileVersion(same);
    } else {
      const version = {
        ...content,
        vv: nextVector(heldVector(row, stateVersions), stateVersions, self.id),
      } as FileVersion;
      bytes = encodeFileVersion(version);
      ops.push([{ type: "file.version", folder: folder.folder, version }, bytes.length]);
    }
    rows.push({ ...indexedEntryOf(c), version: bytes });
    contents.push(content);
  }
  // More than half of the folder gone asks first (or is held until --yes).
  // A deletion whose contents reappear under another name in this scan is a
  // move (a renamed folder), not a loss — one deletion per file that
  // reappears (movedAway); and once deletions are held they
  // stay held until confirmed — before, files arriving from peers grew the
  // folder past the half and the held deletions went out unasked.
  const bySize = new Map<number, FileVersion[]>();
  for (const c of contents) {
    if (c.kind !== "file") continue;
    const same = bySize.get(c.size);
    if (same === undefined) bySize.set(c.size, [c]);
    else same.push(c);
  }
  // Joined again where it was left: what went missing meanwhile is not
  // published as deleted (FolderInfo.rejoined) — whether another device
  // holds it can't be known here (its reports may be late or partial, and a
  // deletion would reach its copy): forgotten here, fetched again. But a
  // file whose content reappears under a new name in this scan was renamed
  // while left: its deletion goes out (the content is published under the
  // new name, so nothing is lost anywhere; the deletion carries only what
  // this disk held, so an edit made elsewhere meanwhile still wins).
  let forgotten: string[] = [];
  if (folder.info.rejoined) {
    const found = new Map([...bySize].map(([size, list]) => [size, [...list]]));
    const moved = new Set(deletions.filter((path) => movedAway(index.rows.get(path), found)));
    forgotten = deletions.filter((path) => !moved.has(path));
    deletions = deletions.filter((path) => moved.has(path));
  }
  const lost = deletions.filter((path) => !movedAway(index.rows.get(path), bySize)).length;
  const mass = index.size > 0 && lost * 2 > index.size;
  if ((mass || folder.info.held !== undefined) && deletions.length > 0) {
    const ok = await o.confirmMassDelete?.(deletions.length, index.size) ?? false;
    if (!ok) {
      held = deletions.length;
      deletions = [];
    }
  }
  for (const path of deletions) {
    const row = index.rows.get(path);
    const stateVersions = folders.versionsAt(folder.folder, path).map((v) =>
      decodeFileVersion(v.bytes)
    );
    const version: FileVersion = {
      kind: "deleted",
      path,
      mtime: now,
      modifiedBy: self.id,
      vv: nextVector(heldVector(row, stateVersions), stateVersions, self.id),
    };
    ops.push([
      { type: "file.version", folder: folder.folder, version },
      encodeFileVersion(version).length,
    ]);
  }
  const kept = keptPaths(result.skipped);
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
    skipped: result.skipped,
    skippedChanged,
    caseCollisions: result.caseCollisions,
    newCaseCollisions: newGroups(result.caseCollisions, result.changed),
    unportable: result.changed.flatMap((c) =>
      portabilityProblems(c.path).map((p) => ({
        path: c.path,
        reason: `${p.name}: ${p.reason} (on ${p.system === "windows" ? "Windows" : "macOS"})`,
      }))
    ),
    hashedFiles: result.stats.hashedFiles,
    hashedBytes: result.stats.hashedBytes,
    present: result.stats.present,
  };
}

/**
 * What the scan and applying of `folder` need to leave out the places
 * inside it that are not synced as part of it (files/scan.ts `apartFolder`).
 */
export function apartOptions(
  home: Home,
  folder: LocalFolder,
): Pick<ScanOptions, "exclude" | "publishedMarker"> {
  return {
    exclude: apartPlaces(home, folder),
    publishedMarker: publishedMarkers(home, folder.folder),
  };
}

/**
 * The places inside any folder that are not synced as part of it, by real
 * path, with the reason said for each: the mycel home, and the roots of
 * the other folders this device syncs (nested before the place check in
 * folder_place.ts existed). With a marker found on the way, these are what
 * the scan and applying leave out (files/scan.ts `apartFolder`).
 */
function apartPlaces(home: Home, folder: LocalFolder): Map<string, string> {
  const places = new Map<string, string>();
  places.set(realOr(home.paths.root), "it is the mycel home (keys, database): never synced");
  for (const f of home.folderLocal.folders()) {
    if (f.folder === folder.folder) continue;
    places.set(
      realOr(f.root),
      `it is folder ${f.folder}, synced here on its own, not as part of this one`,
    );
  }
  return places;
}

/**
 * Whether the state of `folder` holds a live `.mycel-folder` file in a
 * folder (both compared in any case: on a disk that ignores case a member's
 * `.MYCEL-FOLDER` is the marker's file). Read from the state once, on the
 * first question: only a marker found on disk asks.
 */
function publishedMarkers(home: Home, folder: string): (dir: string) => boolean {
  let dirs: Set<string> | undefined;
  return (dir) => {
    if (dirs === undefined) {
      dirs = new Set();
      for (const [path, list] of home.view.folders().paths(folder)) {
        const slash = path.lastIndexOf("/");
        if (slash < 0 || foldName(path.slice(slash + 1)) !== MARKER_NAME) continue;
        if (list.every((v) => decodeFileVersion(v.bytes).kind === "deleted")) continue;
        dirs.add(foldPath(path.slice(0, slash)));
      }
    }
    return dirs.has(foldPath(dir));
  };
}

/** Id of a version encoding (state rows use the same). */
export { versionId };

/** The execute bit of the version `path` holds in this device's index (false for none). */
function execOfIndexed(home: Home, folder: LocalFolder, path: string): boolean {
  const bytes = home.folderLocal.indexRow(folder.folder, path)?.version;
  if (bytes === null || bytes === undefined) return false;
  try {
    const v = decodeFileVersion(bytes);
    return v.kind === "file" && v.exec;
  } catch {
    return false;
  }
}

/**
 * True when the file indexed as `row` has its contents among `found` (by
 * size): it moved. The file found is taken, so it excuses one deletion only
 * (deleting ten copies and writing one is nine losses), and an empty file
 * excuses none (its "contents" are everywhere).
 */
function movedAway(row: IndexRow | undefined, found: Map<number, FileVersion[]>): boolean {
  if (row?.version == null || found.size === 0) return false;
  const v = decodeFileVersion(row.version);
  if (v.kind !== "file" || v.size === 0) return false;
  const same = found.get(v.size) ?? [];
  const i = same.findIndex((f) => sameContent(f, v));
  if (i < 0) return false;
  same.splice(i, 1);
  return true;
}
