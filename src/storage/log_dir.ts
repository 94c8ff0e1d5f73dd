/**
 * @module log_dir
 * The log folder: one segment file per author, named by the author's id
 * without dashes. Cheap checks live here so read-only commands can tell
 * whether any records await replay without loading the entry codec.
 */

import { type DeviceId, parseDeviceId } from "../log/device_id.ts";
import type { HomePaths } from "./home.ts";
import type { StoredHead } from "./snapshot.ts";

/** Segment file of `author`. */
export function segmentPath(paths: HomePaths, author: DeviceId): string {
  return `${paths.logDir}/${author.replaceAll("-", "")}.log`;
}

/** Authors that have a segment file, with the file sizes. */
export async function segmentFiles(paths: HomePaths): Promise<Map<DeviceId, number>> {
  const files = new Map<DeviceId, number>();
  try {
    for await (const f of Deno.readDir(paths.logDir)) {
      const m = /^([A-Z2-7]{56})\.log$/.exec(f.name);
      if (!f.isFile || m === null) continue;
      let id: DeviceId;
      try {
        id = parseDeviceId(m[1]).id;
      } catch {
        continue; // not one of ours (bad check characters): leave it alone
      }
      files.set(id, (await Deno.stat(`${paths.logDir}/${f.name}`)).size);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return files;
}

/**
 * True when some segment differs from what the snapshot covers: records to
 * replay, a torn tail, or a missing or shortened file (replay reports those).
 */
export function needsReplay(
  files: Map<DeviceId, number>,
  heads: Map<DeviceId, StoredHead>,
): boolean {
  for (const [author, size] of files) if (size !== (heads.get(author)?.offset ?? 0)) return true;
  for (const author of heads.keys()) if (!files.has(author)) return true;
  return false;
}
