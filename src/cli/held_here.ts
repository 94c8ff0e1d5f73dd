/**
 * @module held_here
 * How much of each file this device still has to fetch it holds already in
 * its own folders (`folder status`, folder_standing.ts): the whole content
 * when an indexed file holds the same (a rename or copy made elsewhere),
 * else the chunks of an inline list that lie in its indexed files — each
 * only while its file is on disk as its scan saw it.
 */

import { join } from "node:path";
import { contentKey, type FileContent } from "../files/version_content.ts";
import { storedFileContent } from "../log/file_version_codec.ts";
import type { IndexRow } from "../storage/sql_file_index.ts";
import { statKey } from "../files/scan_file.ts";
import type { Home } from "../storage/home_handle.ts";

/**
 * How many bytes of each of `wanted` (in its order) this device holds already in its
 * folder: all of it when an index row of `rows` holds the same content
 * (a rename or copy made elsewhere), else the chunks of an inline list that
 * lie in any of its indexed files (local_chunks.ts reads them from there).
 * Only rows of a wanted size are decoded: a large folder's index is not.
 * A manifest list's chunks are not looked up one by one (its tree may not
 * be here): such a file counts as held only whole.
 */
export function heldHere(
  home: Home,
  root: string | undefined,
  rows: Iterable<IndexRow>,
  wanted: readonly FileContent[],
): number[] {
  if (wanted.length === 0) return [];
  const sizes = new Set(wanted.map((v) => v.size));
  // Each key made once (a rename of every file: 100,000 of them).
  const wantedKey = wanted.map(contentKey);
  const wantedKeys = new Set(wantedKey);
  const keys = new Set<string>();
  // No folder here: no file of it holds anything.
  for (const r of root === undefined ? [] : rows) {
    if (r.version === null || r.kind !== "file" || !sizes.has(r.size)) continue;
    // Its content only (a rename of every file: 100,000 rows of wanted sizes).
    const v = storedFileContent(r.version);
    if (v === undefined) continue;
    const key = contentKey(v);
    // Held only while the file is still as its scan saw it: one edited or
    // removed since holds that content no more, and the round fetches it.
    if (wantedKeys.has(key) && !keys.has(key) && asScanned(root!, r)) {
      keys.add(key);
    }
  }
  const hashes = wanted.flatMap((v, i) =>
    "inline" in v.chunks && !keys.has(wantedKey[i]) ? v.chunks.inline.map((c) => c.hash) : []
  );
  const lying = hashes.length > 0 ? home.folderLocal.withLocs(hashes) : new Set<string>();
  // A chunk lies here only in a file still as its scan saw it (a stat per file).
  const intact = new Map<string, boolean>();
  const roots = new Map<string, string | undefined>();
  for (const hash of lying) {
    const still = home.folderLocal.locs(hash).some((loc) => {
      const at = `${loc.folder}\0${loc.path}`;
      let ok = intact.get(at);
      if (ok === undefined) {
        if (!roots.has(loc.folder)) {
          roots.set(loc.folder, home.folderLocal.folder(loc.folder)?.root);
        }
        const r = roots.get(loc.folder), row = home.folderLocal.indexRow(loc.folder, loc.path);
        intact.set(at, ok = r !== undefined && row !== undefined && asScanned(r, row));
      }
      return ok;
    });
    if (!still) lying.delete(hash);
  }
  return wanted.map((v, i) => {
    if (keys.has(wantedKey[i])) return v.size;
    if (!("inline" in v.chunks)) return 0;
    let n = 0;
    for (const c of v.chunks.inline) if (lying.has(c.hash)) n += c.length;
    return Math.min(n, v.size);
  });
}

/** Whether the file of `row` is on disk as its scan saw it (a stat: no link followed). */
function asScanned(root: string, row: IndexRow): boolean {
  try {
    const info = Deno.lstatSync(join(root, row.path));
    const st = statKey(info);
    return info.isFile && st.size === row.size && st.mtimeMs === row.mtimeMs && st.ino === row.ino;
  } catch {
    return false;
  }
}
