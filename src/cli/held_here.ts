/**
 * @module held_here
 * How much of each file this device still has to fetch it holds already in
 * its own folders (`folder status`, folder_standing.ts): the whole content
 * when an indexed file holds the same (a rename or copy made elsewhere),
 * else the chunks of an inline list that lie in its indexed files — each
 * only while its file is on disk as its scan saw it.
 */

import type { FileContent } from "../files/version_content.ts";
import { storedContentKey } from "../log/stored_content_key.ts";
import type { IndexHeld } from "../storage/sql_file_index.ts";
import { statKey } from "../files/scan_file.ts";
import type { Home } from "../storage/home_handle.ts";

/**
 * How many bytes of each of `wanted` (in its order; each with the key of
 * its stored bytes, stored_content_key.ts) this device holds already in its
 * folder: all of it when an index row of `rows` holds the same content
 * (a rename or copy made elsewhere), else the chunks of an inline list that
 * lie in any of its indexed files (local_chunks.ts reads them from there).
 * Only rows of a wanted size are looked at, by their bytes (none decoded).
 * A manifest list's chunks are not looked up one by one (its tree may not
 * be here): such a file counts as held only whole.
 */
export function heldHere(
  home: Home,
  root: string | undefined,
  rows: Iterable<IndexHeld>,
  wanted: readonly { content: FileContent; key: string }[],
): number[] {
  if (wanted.length === 0) return [];
  const sizes = new Set(wanted.map((w) => w.content.size));
  const wantedKeys = new Set(wanted.map((w) => w.key));
  const keys = new Set<string>();
  // No folder here: no file of it holds anything.
  for (const r of root === undefined ? [] : rows) {
    if (r.version === null || r.kind !== "file" || !sizes.has(r.size)) continue;
    // Its content's bytes only (a rename of every file: 100,000 rows of wanted sizes).
    const key = storedContentKey(r.version);
    if (key === undefined) continue;
    // Held only while the file is still as its scan saw it: one edited or
    // removed since holds that content no more, and the round fetches it.
    if (wantedKeys.has(key) && !keys.has(key) && asScanned(root!, r)) {
      keys.add(key);
    }
  }
  const hashes = wanted.flatMap(({ content: v, key }) =>
    "inline" in v.chunks && !keys.has(key) ? v.chunks.inline.map((c) => c.hash) : []
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
  return wanted.map(({ content: v, key }) => {
    if (keys.has(key)) return v.size;
    if (!("inline" in v.chunks)) return 0;
    let n = 0;
    for (const c of v.chunks.inline) if (lying.has(c.hash)) n += c.length;
    return Math.min(n, v.size);
  });
}

/** Whether the file of `row` is on disk as its scan saw it (a stat: no link followed). */
function asScanned(root: string, row: IndexHeld): boolean {
  try {
    // An index path is relative, no "." or ".." in it (a logged path): joined
    // as it is (node:path's normalising, per file, was 2% of a status).
    const info = Deno.lstatSync(`${root}/${row.path}`);
    const st = statKey(info);
    return info.isFile && st.size === row.size && st.mtimeMs === row.mtimeMs && st.ino === row.ino;
  } catch {
    return false;
  }
}
