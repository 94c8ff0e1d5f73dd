/**
 * @module deleted_under
 * The files under a folder of a synced folder whose winning version in the
 * folder's state is a deletion made within the folder's retention: what
 * `folder restore DIR` (src/cli/restore_dir.ts) checks its list against,
 * so that a file deleted there that this device keeps no version of is
 * named, not passed over. A device keeps a copy of what a peer's deletion
 * removes, never of its own deletions (the file is gone before mycel sees
 * it): on the device where `rm -r d` was typed, `folder restore d` found
 * nothing and said "it has no kept versions (d)", when the devices that
 * applied the deletion each kept a copy (issue 13).
 */

import { winnerOf } from "../files/conflict.ts";
import { DEFAULT_VERSION_RETENTION_MS } from "../files/versions.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { isDirectoryVersion } from "../log/file_version.ts";
import type { Home } from "../storage/home_handle.ts";
import { shortDeviceId } from "../log/device_id.ts";

/** A file deleted under the folder asked about. */
export interface DeletedFile {
  readonly path: string;
  /** Whether this device deleted it. */
  readonly own: boolean;
  /** The name of the device that deleted it (null: not a member now), or its id's start. */
  readonly by: string;
  /** When that device saw it deleted (ms). */
  readonly at: number;
}

/**
 * Files under `dir` ("" for all) of folder `id` deleted in its state within
 * its retention, by path. Reads the folder's whole state once (the state
 * has no seek by folder prefix): a command's cost, not a round's.
 */
export function deletedUnder(home: Home, id: string, dir: string): DeletedFile[] {
  const days = home.folderLocal.folder(id)?.info.keepDays;
  const since = home.now() - (days === undefined ? DEFAULT_VERSION_RETENTION_MS : days * 86400_000);
  const prefix = dir === "" ? "" : `${dir}/`;
  const names = new Map<string, string>();
  for (const m of home.view.members()) names.set(m.record.id, m.record.name);
  const out: DeletedFile[] = [];
  for (const [path, stored] of home.view.folders().paths(id)) {
    if (!path.startsWith(prefix) || stored.length === 0) continue;
    const w = winnerOf(stored.map((s) => decodeFileVersion(s.bytes)));
    if (w.kind !== "deleted" || isDirectoryVersion(w) || w.mtime < since) continue;
    const own = w.modifiedBy === home.device.id;
    out.push({
      path,
      own,
      by: names.get(w.modifiedBy) || shortDeviceId(w.modifiedBy),
      at: w.mtime,
    });
  }
  return out;
}
