/**
 * @module folder_partial
 * What this device holds of the files it is fetching, for its own line of
 * `folder status` ("behind by 1 file and 48 MiB (16 MiB fetched)"): the
 * chunks its transfer rows record as written and durable — what the next
 * round resumes from, and what its progress records leave out of the bytes
 * still needed (src/sync/folder_apply_interim.ts). Only a transfer of a
 * version the state holds at that path counts; a large file's chunk lengths
 * come from its manifest, and one whose manifest is not held here counts
 * nothing. Apart because it reads manifests (async), which the rest of the
 * standing (folder_standing.ts) does not.
 */

import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import type { ChunkRef } from "../log/chunk_list.ts";
import type { Home } from "../storage/home_handle.ts";
import { bitSet } from "../sync/folder_apply_task.ts";

/** What a transfer of this device holds: its version, and the bytes recorded as done. */
export interface HeldPart {
  readonly version: FileVersion;
  readonly bytes: number;
}

/** By path, what this device holds, durable, of the files of `folder` it is fetching. */
export async function fetchedHere(home: Home, folder: string): Promise<Map<string, HeldPart>> {
  const held = new Map<string, HeldPart>();
  for (const t of home.folderLocal.transfers(folder)) {
    const stored = home.view.folders().versionsAt(folder, t.path).find((v) => v.id === t.version);
    if (stored === undefined) continue; // a version replaced since: not what is waited for
    const version = decodeFileVersion(stored.bytes);
    if (version.kind !== "file") continue;
    let chunks: readonly ChunkRef[];
    try {
      chunks = await resolveChunkList(
        version.chunks,
        version.size,
        (h) => home.folderLocal.blob(h),
      );
    } catch {
      continue; // its manifest is not all here: nothing of it can be told
    }
    let bytes = 0;
    for (let i = 0; i < chunks.length; i++) if (bitSet(t.done, i)) bytes += chunks[i].length;
    if (bytes > 0) held.set(t.path, { version, bytes });
  }
  return held;
}
