/**
 * @module stale_temps
 * A crash during assembly leaves a `.mycel-tmp-*` file beside its target
 * (never a torn file under the real name). `removeStaleTemps` deletes those
 * older than an hour — by ctime, which every write and the final utime
 * refresh, so a live assembly in another process is never touched.
 * Symlinks and `.mycel/` are not entered.
 */

import { join } from "node:path";
import { INTERNAL_DIR, isTempName } from "./folder_layout.ts";

/** Default age after which a temporary file is stale (ms). */
export const STALE_TEMP_MS = 3600 * 1000;

/** Delete stale temporary files under `root`; returns their folder-relative paths. */
export async function removeStaleTemps(
  root: string,
  options: { olderThanMs?: number; now?: number } = {},
): Promise<string[]> {
  const cutoff = (options.now ?? Date.now()) - (options.olderThanMs ?? STALE_TEMP_MS);
  const removed: string[] = [];
  const walk = async (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(root, rel)));
    } catch {
      return; // unreadable or gone: nothing to clean here
    }
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory && !(rel === "" && e.name === INTERNAL_DIR)) await walk(path);
      if (!e.isFile || !isTempName(e.name)) continue;
      const info = await Deno.lstat(join(root, path)).catch(() => undefined);
      const changed = info?.ctime?.getTime() ?? info?.mtime?.getTime();
      if (changed !== undefined && changed < cutoff) {
        await Deno.remove(join(root, path)).catch(() => {});
        removed.push(path);
      }
    }
  };
  await walk("");
  return removed.sort();
}
