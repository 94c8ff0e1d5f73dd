/**
 * @module folder_scan_vectors
 * The version vector of a version the scan publishes for a path (an edit,
 * folder_scan_changes.ts, or a deletion, folder_scan_deletions.ts): what
 * this device had seen there, one change more. Apart because both kinds of
 * version need it, and it is where a local edit is kept from claiming a
 * remote version it never held (so that an edit racing one is a conflict).
 */

import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { contentDigest, sameContent } from "../files/version_content.ts";
import { bumpVv, mergeVv, type VersionVector } from "../log/version_vector.ts";
import type { DeviceId } from "../log/device_id.ts";
import type { IndexRow } from "../storage/sql_folder_local.ts";

/**
 * The version the index says the disk held at a path (undefined: no row,
 * or a row never published). Decoded by the caller once, and handed to
 * {@link heldVector} and whatever else reads it (a scan's move and
 * unchanged checks), rather than decoded by each.
 */
export const indexedVersion = (row: IndexRow | undefined): FileVersion | undefined =>
  row?.version ? decodeFileVersion(row.version) : undefined;

/**
 * What this device had seen of a path: the vector of the version its file
 * held (`held`, {@link indexedVersion}) — merged with every version of the
 * folder there whose content was that same content (two devices writing the
 * same bytes at once leave two versions and no conflict; the next edit of
 * either must cover both, or the other would come back as a conflict copy
 * of content everyone had).
 */
export function heldVector(
  held: FileVersion | undefined,
  stateVersions: FileVersion[],
): VersionVector {
  if (held !== undefined) {
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
 * What a device that joined onto files it already had (a copy from another
 * tool, a backup) had seen of a path it never indexed: the deletions there
 * — except those that name `content` as what they deleted. Such a file is
 * the deleted file itself, kept by a copy made before the deletion, not a
 * new one: its version is concurrent with that deletion, which undoes it
 * (conflict.ts `undoneIn`: it stays deleted, no conflict copy; the joining
 * device keeps its file under .mycel/versions). Covering every deletion (as
 * {@link heldVector} does for a file made anew here), it superseded the
 * deletion, and a file deleted after the folder was shared came back on
 * every device.
 */
export function joinedVector(
  content: FileVersion,
  stateVersions: readonly FileVersion[],
): VersionVector {
  const digest = content.kind === "deleted" ? undefined : contentDigest(content);
  let vv: VersionVector = new Map();
  for (const v of stateVersions) {
    if (v.kind === "deleted" && (v.deletedContent === undefined || v.deletedContent !== digest)) {
      vv = mergeVv(vv, v.vv);
    }
  }
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
export function nextVector(
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
