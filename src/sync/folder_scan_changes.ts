/**
 * @module folder_scan_changes
 * The second phase of a scan (folder_scan.ts): a version for each new or
 * changed path the disk showed (folder_scan_read.ts), with the index row and
 * chunk places that describe it. A file whose content and mtime equal a
 * version at its path (the one the index held, or one of the state's)
 * adopts it and publishes nothing (at a path never indexed here, the same
 * content and exec bit are enough); any other gets this device's next vector
 * there (folder_scan_vectors.ts). Apart because it is where a change on disk
 * becomes an edit, or does not.
 */

import { sameContent } from "../files/version_content.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { indexedEntryOf } from "../files/file_index.ts";
import { makeChunkList } from "../files/manifest_tree.ts";
import { builtVvProblem, mergeVv } from "../log/version_vector.ts";
import type { ScanResult } from "../files/scan_types.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { FolderRows } from "../log/folder_state.ts";
import type { Op } from "../log/ops.ts";
import type { IndexRow, LoadedIndex } from "../storage/sql_folder_local.ts";
import { heldVector, joinedVector, nextVector } from "./folder_scan_vectors.ts";

/** Same content and, for a file, the same exec bit: equal but for the mtime. */
function sameExceptTime(v: FileVersion, content: FileVersion): boolean {
  return sameContent(v, content) &&
    (v.kind !== "file" || (content.kind === "file" && v.exec === content.exec));
}

/** What the changed paths make: versions to publish and what to record of the disk. */
export interface Changes {
  /** Versions to publish, with their encoded sizes. */
  readonly ops: [Op, number][];
  /** Index rows of the changed paths. */
  readonly rows: IndexRow[];
  /** What each changed path holds (vector left empty), in scan order. */
  readonly contents: FileVersion[];
  /** Chunk places of the changed files. */
  readonly locs: [string, readonly { hash: string; length: number }[]][];
  /** Chunk-list blobs of the changed files. */
  readonly blobs: { hash: string; bytes: Uint8Array }[];
  /**
   * Changed paths left unpublished, with why: their next vector would name
   * too many devices (builtVvProblem). Their index rows stay as they were,
   * so the next scan tries again.
   */
  readonly skipped: { path: string; reason: string }[];
}

/** What a scan's changes need to know besides the disk and the state. */
export interface ChangesOptions {
  /**
   * The paths `folder restore` just put back (one file, or each deleted
   * file under a folder), whose versions cover the deletions there too
   * (ScanPublishOptions.restored).
   */
  readonly restored?: ReadonlySet<string>;
  /**
   * The folder's first scan after a join onto files already there: a file at
   * a path never indexed here did not see the deletions made there since the
   * folder was shared (joinedVector).
   */
  readonly joined?: boolean;
}

/** The versions and rows of `changed` in `folder` (see the module comment). */
export async function versionsOfChanges(
  folder: string,
  index: LoadedIndex,
  folders: FolderRows,
  self: DeviceId,
  changed: ScanResult["changed"],
  o: ChangesOptions = {},
): Promise<Changes> {
  const ops: [Op, number][] = [];
  const rows: IndexRow[] = [];
  const contents: FileVersion[] = [];
  const locs: [string, readonly { hash: string; length: number }[]][] = [];
  const blobs: { hash: string; bytes: Uint8Array }[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const c of changed) {
    const row = index.rows.get(c.path);
    const stateVersions = folders.versionsAt(folder, c.path).map((v) => decodeFileVersion(v.bytes));
    let content: FileVersion;
    let list: Awaited<ReturnType<typeof makeChunkList>> | undefined;
    if (c.kind === "file") {
      list = await makeChunkList(c.chunks);
      content = {
        kind: "file",
        path: c.path,
        mtime: c.mtimeMs,
        modifiedBy: self,
        vv: new Map(),
        size: c.size,
        exec: c.exec,
        chunks: list.list,
      };
    } else {
      content = {
        kind: "symlink",
        path: c.path,
        mtime: c.mtimeMs,
        modifiedBy: self,
        vv: new Map(),
        target: c.target,
      };
    }
    const unchanged = (v: FileVersion) => sameExceptTime(v, content) && v.mtime === content.mtime;
    // What the index says the disk held, decoded once: the unchanged check
    // and the next vector both read it.
    const heldBytes = row?.version ?? undefined;
    const held = heldBytes === undefined ? undefined : decodeFileVersion(heldBytes);
    // The disk still holds what the index says it held, read again only
    // because its inode changed (a copy put back with `cp -a`, a folder moved
    // to another disk): not an edit. Published as one, it was concurrent with
    // every change made elsewhere meanwhile — a needless conflict copy, a
    // deletion undone everywhere (a chaos soak).
    const same = stateVersions.find(unchanged);
    // A path this device never indexed (a folder joined onto a copy it
    // already held: `cp -r`, a download, a backup) whose content and exec bit
    // are a version's of the state, with another mtime: that copy, not an
    // edit. The row names the version with the disk's mtime (never
    // published), so the round adopts it and gives the file the folder's
    // time. Published as an edit, it was newer than the original: every
    // other device's file took the copy's time (a join of 5,000 copied files
    // rewrote 5,000 mtimes on each device and published 5,000 versions).
    const copied = row === undefined && same === undefined
      ? stateVersions.find((v) => sameExceptTime(v, content))
      : undefined;
    let bytes: Uint8Array;
    // Read again only for a racy row, its stat the row's: the version it held
    // if the content is, though the disk rounded the mtime (exFAT).
    if (held !== undefined && (unchanged(held) || (c.recheck && sameExceptTime(held, content)))) {
      bytes = heldBytes!;
    } else if (same !== undefined) {
      bytes = encodeFileVersion(same);
    } else if (copied !== undefined) {
      bytes = encodeFileVersion({ ...copied, mtime: content.mtime });
    } else {
      let seen = held === undefined && o.joined
        ? joinedVector(content, stateVersions)
        : heldVector(held, stateVersions);
      if (o.restored?.has(c.path)) {
        for (const v of stateVersions) if (v.kind === "deleted") seen = mergeVv(seen, v.vv);
      }
      const vv = nextVector(seen, stateVersions, self);
      const tooWide = builtVvProblem(vv);
      if (tooWide !== undefined) {
        // Nothing of this path is recorded (no row, no chunk places, not a
        // move's new name): only its versions are in the way.
        skipped.push({ path: c.path, reason: tooWide });
        continue;
      }
      const version = { ...content, vv } as FileVersion;
      bytes = encodeFileVersion(version);
      ops.push([{ type: "file.version", folder, version }, bytes.length]);
    }
    if (list !== undefined) blobs.push(...list.blobs);
    if (c.kind === "file") locs.push([c.path, c.chunks]);
    rows.push({ ...indexedEntryOf(c), version: bytes });
    contents.push(content);
  }
  return { ops, rows, contents, locs, blobs, skipped };
}
