/**
 * @module restore_over
 * Whether `folder restore` of a version whose bytes the disk already holds
 * still has something to do: it has when the state holds a version of the
 * path with other content — one from another device not fetched here yet
 * (its maker offline since it announced it, or no round run here since), a
 * conflict, a deletion not applied yet. The restore is the user's word that
 * these bytes are what they want; without publishing them, the next round
 * put that version in their place (issue 13). Only when every version the
 * state holds there is the disk's content is the restore a no-op.
 * Read-only; the caller scans first, so that the index says what the disk
 * holds.
 */

import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { sameContent } from "../files/version_content.ts";
import type { Home } from "../storage/home_handle.ts";

/**
 * The versions of `rel` in `folder` the state holds whose content (bytes
 * and exec bit, or link target) is not what the index says the disk holds
 * there. None when the index has no published version of it (a path this
 * device ignores, or one the scan could not read: nothing of it is synced
 * from here) or when every version is the disk's content.
 */
export function otherThanDisk(home: Home, folder: string, rel: string): FileVersion[] {
  const row = home.folderLocal.indexRow(folder, rel);
  if (row?.version == null) return [];
  const held = decodeFileVersion(row.version);
  return home.view.folders().versionsAt(folder, rel)
    .map((v) => decodeFileVersion(v.bytes))
    .filter((v) =>
      !sameContent(v, held) ||
      (v.kind === "file" && held.kind === "file" && v.exec !== held.exec)
    );
}
