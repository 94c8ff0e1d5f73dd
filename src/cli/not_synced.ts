/**
 * @module not_synced
 * How the paths a scan could not sync (unreadable files, folders that can't
 * be listed, special files, names that can't sync) are listed: the same lines
 * in `folder scan`, `folder status` and `sync now`. Paths and reasons may come
 * from the disk, so they pass the text-safety check.
 */

import { safeText } from "../text_safety.ts";

/** Most paths listed; the rest are counted. */
const SHOWN = 20;

/** One line per path (at most 20), then how many more there are of `total`. */
export function notSyncedLines(
  list: readonly { path: string; reason: string }[],
  total: number = list.length,
): string[] {
  const out = list.slice(0, SHOWN).map((s) =>
    `  not synced: ${safeText(s.path)}: ${safeText(s.reason)}`
  );
  const shown = Math.min(list.length, SHOWN);
  if (total > shown) out.push(`  … and ${total - shown} more not synced`);
  return out;
}
