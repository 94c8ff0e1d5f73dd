/**
 * @module folder_progress
 * What this device tells the others about a folder after each round
 * (folder_round.ts): its `folder.progress` record — files and bytes it still
 * lacks, conflicts, whether it is stopped and why, and the folder frontier
 * it measured against — published only when it changed (those published
 * during a long file phase are folder_apply_interim.ts), and a folder found
 * stopped (at the start of the round or during it) recorded as such. Apart
 * so that the round reads as the order of its steps.
 */

import type { DeviceKey } from "../log/device_key.ts";
import { type FolderProgress, MAX_PROGRESS_AUTHORS } from "../log/file_ops.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { stoppedInfo } from "../storage/folder_info.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";

/**
 * The folder frontier this device measures against now, as a progress record
 * holds it: at most {@link MAX_PROGRESS_AUTHORS} authors. A member can admit
 * devices it made up and have each write in the folder, and a frontier of
 * more than that made the record's encoder throw, so every round of every
 * device sharing the folder exited 1 ("a progress frontier is up to 1024
 * key/seq pairs"; found by a review). Past the bound the record keeps this
 * device, then the members that joined the folder and are not removed, then
 * the rest, each group in key order: an author left out only reads as not
 * seen, so the others count its versions against this device (behind by
 * them), and a removal witnessed by the record cuts no lower for it.
 */
export function frontierOf(home: Home, folder: string): [DeviceKey, number][] {
  const all = [...home.view.folders().frontier(folder)]
    .map(([hex, seq]) => [deviceOfHex(hex), seq] as [DeviceKey, number])
    .sort((a, b) => a[0].compare(b[0]));
  if (all.length <= MAX_PROGRESS_AUTHORS) return all;
  const joined = new Set<string>();
  for (const [f, hex, row] of home.view.folders().deviceRows()) {
    if (f === folder && row.joined) joined.add(hex);
  }
  const rank = ([k]: [DeviceKey, number]) =>
    k === home.device ? 0 : joined.has(k.hex) && home.view.member(k)?.removed === undefined ? 1 : 2;
  return all
    .map((e, i) => ({ e, r: rank(e), i }))
    .sort((x, y) => x.r - y.r || x.i - y.i)
    .slice(0, MAX_PROGRESS_AUTHORS)
    .map(({ e }) => e)
    .sort((a, b) => a[0].compare(b[0]));
}

/** How a published record is remembered (the folder's `published`), to publish only changes. */
export function progressText(p: FolderProgress): string {
  return JSON.stringify([
    p.needFiles,
    p.needBytes,
    p.conflicts,
    p.stopped,
    p.frontier.map(([k, s]) => [k.hex, s]),
  ]);
}

/** Publish `p` for `f` unless it is what was published last. */
export async function publishProgress(
  home: Home,
  f: LocalFolder,
  p: FolderProgress,
): Promise<void> {
  const text = progressText(p);
  const now = home.folderLocal.folder(f.folder);
  if (now === undefined || now.info.published === text) return;
  await home.write(async (w) => {
    await w.commit([{ type: "folder.progress", folder: f.folder, progress: p }]);
    w.folderLocal.setInfo(f.folder, { ...now.info, published: text });
  }, { signs: true });
}

/** Record why `f` is stopped (its path lists dropped: stoppedInfo) and publish it. */
export async function markStopped(
  home: Home,
  f: LocalFolder,
  stopped: string,
  frontier: [DeviceKey, number][],
): Promise<void> {
  const info = home.folderLocal.folder(f.folder)?.info ?? f.info;
  await home.write((w) => w.folderLocal.setInfo(f.folder, stoppedInfo(info, stopped)));
  await publishProgress(home, f, { needFiles: 0, needBytes: 0, conflicts: 0, stopped, frontier });
}
