/**
 * @module folder_versions
 * The file versions of one path (folder_state.ts): the versions no other
 * version's vector dominates. A batch of new versions of one path (one
 * entry's, or one checkpoint's) is joined to the held ones in memory: the
 * held rows are read once and each comparison is of two decoded vectors.
 * Before, each new version read and strictly decoded (canonical re-encode
 * included) every version held at its path: N concurrent versions of one
 * path, which one member's entry can carry, cost N² decodes — 2,000 in a
 * 250 KB entry took a minute to fold on every device that took it (found
 * by a review).
 *
 * Across entries, each entry's fold compares its versions with every
 * version its path holds, from the store's held set (`heldAt`,
 * folder_held.ts: ids, dots and decoded vectors, kept while a write
 * transaction lasts). Before, each entry's fold read every row its path held
 * and looked each vector up again: N entries of one concurrent version each
 * of one path read N²/2 rows (4,000 such entries: 28-73 s into SQLite on a
 * loaded machine; now about 1 s, the time of the comparisons alone).
 *
 * Open (issue 13): still quadratic. Nothing bounds how many versions a path
 * holds, so those N entries still make N²/2 comparisons (about an hour for
 * a 64 MiB session's). Bounding what a path holds changes the rule, needs
 * a record per (folder, path, maker) that rows don't hold, carried in
 * checkpoints too, and must not touch honest meshes — "one version per
 * maker" would, as a device can publish a version concurrent with its own
 * earlier one. docs/folders.md, "File versions", has the measurements and
 * the design; not built.
 */

import { decodeFileVersion } from "./file_version_codec.ts";
import { compareVv, type VersionVector } from "./version_vector.ts";
import type { HeldVersion } from "./folder_held.ts";
import type { FolderStore, StoredVersion } from "./folder_state.ts";

/** A version to add, with its vector when the caller has it decoded. */
export interface NewVersion {
  readonly stored: StoredVersion;
  readonly vv?: VersionVector;
}

/**
 * Decoded vectors by version id, for paths holding several versions (honest
 * use makes them rare; entries of every other path are never put here). An
 * id is the hash of the bytes, so an entry is never stale whatever a store
 * rolls back. Bounded by the devices the vectors name in all (a vector may
 * name 256), the oldest out first.
 */
const vvById = new Map<string, VersionVector>();
const VV_CACHE_NAMES = 1 << 18; // tens of MB at most
let cachedNames = 0;

function remember(id: string, vv: VersionVector): void {
  if (vvById.has(id)) return;
  vvById.set(id, vv);
  cachedNames += vv.size + 1;
  while (cachedNames > VV_CACHE_NAMES) {
    const [oldest, old] = vvById.entries().next().value!;
    vvById.delete(oldest);
    cachedNames -= old.size + 1;
  }
}

function vvOf(v: StoredVersion): VersionVector {
  const vv = vvById.get(v.id);
  if (vv !== undefined) return vv;
  return decodeFileVersion(v.bytes).vv;
}

/** The vectors of rows a store reads for `heldAt`, kept by id when the path holds several. */
function vectorsOf(rows: readonly StoredVersion[]): VersionVector[] {
  const vvs = rows.map(vvOf);
  if (rows.length > 1) rows.forEach((v, i) => remember(v.id, vvs[i]));
  return vvs;
}

/** Whether `a` is the smaller dot (the entry a version's row names). */
const smallerDot = (a: StoredVersion, b: HeldVersion) =>
  a.author < b.author || (a.author === b.author && a.seq < b.seq);

/**
 * Add versions to the maximal set of their path: each is dropped when a
 * version's vector is at or above it (the same bytes: the smaller dot is
 * kept), otherwise kept and every version it dominates removed. The result
 * is the maximal set of the union, whatever the order. Each version is
 * written as it is decided, so the next one of the batch is compared with
 * it; the store's held set (`heldAt`) follows.
 */
export function addVersions(
  store: FolderStore,
  folder: string,
  path: string,
  versions: readonly NewVersion[],
): void {
  const held = store.heldAt(folder, path, vectorsOf);
  const before = held.size;
  const put: [string, VersionVector][] = [];
  for (const { stored: v, vv: known } of versions) {
    const same = held.get(v.id);
    if (same !== undefined) {
      if (smallerDot(v, same)) store.putVersion(folder, path, v, same.vv);
      continue;
    }
    const mine = known ?? vvOf(v);
    const drop: string[] = [];
    let dominated = false;
    for (const c of held.values()) {
      const order = compareVv(mine, c.vv);
      if (order === "before") {
        dominated = true;
        break;
      }
      if (order === "after") drop.push(c.id);
    }
    if (dominated) continue;
    for (const id of drop) store.removeVersion(folder, path, id);
    store.putVersion(folder, path, v, mine);
    put.push([v.id, mine]);
  }
  // The next transaction's fold of this path decodes these again unless kept.
  if (held.size < 2) return;
  if (before < 2) { for (const c of held.values()) remember(c.id, c.vv); }
  else for (const [id, vv] of put) remember(id, vv);
}

/** Add one version (see {@link addVersions}). */
export function addVersion(
  store: FolderStore,
  folder: string,
  path: string,
  stored: StoredVersion,
  vv?: VersionVector,
): void {
  addVersions(store, folder, path, [{ stored, vv }]);
}
