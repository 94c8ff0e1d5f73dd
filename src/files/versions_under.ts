/**
 * @module versions_under
 * Which files of a folder (a path in the synced folder, deleted or not)
 * have kept versions under `.mycel/versions/` (versions.ts), and how many
 * each: what `folder versions DIR` points at. A folder's kept versions are
 * listed file by file, so a deleted folder's files were out of reach unless
 * the user knew their names (found by a review).
 *
 * Names are read back from the kept copies: the stem, then the stamp
 * `~YYYYMMDD-HHMMSS-mmm`, then the extension. A name too long to keep whole
 * comes back as its shortened stem (versions.ts fitStem), as it is kept.
 * Links on the way are not followed; at most {@link MAX_LISTED} copies are
 * read.
 */

import { join } from "node:path";
import { VERSIONS_DIR } from "./folder_layout.ts";

/** Kept copies read at most (a folder of old versions can be large). */
export const MAX_LISTED = 10_000;

const STAMP_IN_NAME = /~\d{8}-\d{6}-\d{3}/g;

/** The name a kept copy was kept for, or undefined for a name that is no kept copy. */
export function keptFor(keptName: string): string | undefined {
  let last: RegExpExecArray | undefined;
  for (const m of keptName.matchAll(STAMP_IN_NAME)) last = m as RegExpExecArray;
  if (last === undefined || last.index === 0) return undefined;
  return keptName.slice(0, last.index) + keptName.slice(last.index + last[0].length);
}

/**
 * Files under the folder-relative `relDir` ("" for the whole folder) with kept versions, each with
 * how many (sorted by path; none when nothing is kept there), and whether
 * the listing stopped at {@link MAX_LISTED} copies.
 */
export async function keptFilesUnder(
  root: string,
  relDir: string,
): Promise<{ files: Map<string, number>; partial: boolean }> {
  const counts = new Map<string, number>();
  let read = 0;
  const walk = async (rel: string): Promise<void> => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(join(root, VERSIONS_DIR, rel)));
    } catch {
      return; // missing, not a folder, or not ours to list: nothing to point at
    }
    for (const e of entries) {
      if (read >= MAX_LISTED) return;
      const path = rel === "" ? e.name : `${rel}/${e.name}`; // "": the folder's root
      if (e.isDirectory) await walk(path);
      else if (e.isFile || e.isSymlink) {
        read++;
        const name = keptFor(e.name);
        if (name !== undefined) {
          const of = rel === "" ? name : `${rel}/${name}`;
          counts.set(of, (counts.get(of) ?? 0) + 1);
        }
      }
    }
  };
  await walk(relDir);
  const files = new Map([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { files, partial: read >= MAX_LISTED };
}
