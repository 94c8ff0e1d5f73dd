/**
 * @module stale_temps
 * A crash during a write leaves a `.mycel-tmp-*` file beside its target
 * (never a torn file under the real name) and, in the instant of the swap,
 * a `.mycel-tmp-hold-*` folder holding the file being replaced
 * (place_entry.ts). `removeStaleTemps` deletes the temporary files and puts
 * held files back (held_file.ts: to their name, or into `.mycel/versions/`
 * when the name is taken) — a held file is user data and is never deleted.
 * A `.mycel-tmp-drop-*` folder (a peer's deletion cut short, remove_entry.ts)
 * is finished by keeping its file under `.mycel/versions/`: putting it back
 * would resurrect a deleted file as a new one.
 * Only entries older than an hour are touched — by ctime, which every
 * write and the final utime refresh, so a live write in another process is
 * never touched. Symlinks and `.mycel/` are not entered.
 */

import { join } from "node:path";
import { INTERNAL_DIR, isDropName, isHoldName, isTempName } from "./folder_layout.ts";
import { settleHold } from "./held_file.ts";

/** Default age after which a temporary file is stale (ms). */
export const STALE_TEMP_MS = 3600 * 1000;

/**
 * Delete stale temporary files under `root` (except those named in `keep`:
 * transfers that will resume) and put back held files; returns the
 * folder-relative paths of the temporary files and hold folders it removed.
 */
export async function removeStaleTemps(
  root: string,
  options: { olderThanMs?: number; now?: number; keep?: ReadonlySet<string> } = {},
): Promise<string[]> {
  const now = options.now ?? Date.now();
  const cutoff = now - (options.olderThanMs ?? STALE_TEMP_MS);
  const realRoot = await Deno.realPath(root);
  const removed: string[] = [];
  const stale = async (abs: string) => {
    const info = await Deno.lstat(abs).catch(() => undefined);
    const changed = info?.ctime?.getTime() ?? info?.mtime?.getTime();
    return changed !== undefined && changed < cutoff;
  };
  const walk = async (rel: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(realRoot, rel)));
    } catch {
      return; // unreadable or gone: nothing to clean here
    }
    for (const e of entries) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory && (isHoldName(e.name) || isDropName(e.name))) {
        if (!(await stale(join(realRoot, path)))) continue;
        // Can't settle it now (a name problem, a full disk): it stays for the next sweep.
        const how = isDropName(e.name) ? "keep" : "put_back";
        const back = await settleHold(realRoot, rel, e.name, now, how).then(
          () => true,
          () => false,
        );
        if (back) removed.push(path);
        continue;
      }
      if (e.isDirectory && !(rel === "" && e.name === INTERNAL_DIR)) await walk(path);
      if (!e.isFile || !isTempName(e.name) || options.keep?.has(e.name)) continue;
      if (await stale(join(realRoot, path))) {
        await Deno.remove(join(realRoot, path)).catch(() => {});
        removed.push(path);
      }
    }
  };
  await walk("");
  return removed.sort();
}
