/**
 * @module folder_standing
 * Where each device that joined a folder stands, as `folder status` shows
 * it: this device from its own index (what it does not hold yet), another
 * from its last progress record, measured against our state — versions we
 * hold that its record had not seen count as "behind", plus what it said it
 * still needed (every release's record leaves out of it what a file in
 * progress holds already; this device's own line does the same from its
 * transfers). Files waited for whose content only a device removed since
 * (or this device, which no longer holds it) had are counted apart: nobody
 * may be able to send them (docs/folders.md). Apart from the folder's
 * totals (folder_view.ts): this is the per-device reading of the same
 * winners.
 */

import { join } from "node:path";
import { contentDigest, contentKey, sameContent } from "../files/version_content.ts";
import type { RegularFileVersion } from "../log/file_version.ts";
import { decodeStoredFileVersion, storedFileContent } from "../log/file_version_codec.ts";
import type { IndexRow } from "../storage/sql_file_index.ts";
import { statKey } from "../files/scan_file.ts";
import { markerStop } from "../files/folder_marker.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { FolderRows } from "../log/folder_state.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { HeldPart } from "./folder_partial.ts";
import { removedMakers, type Winner } from "./folder_winners.ts";

/** One device's standing in a folder. */
export interface DeviceStanding {
  readonly id: string;
  readonly name: string;
  readonly self: boolean;
  /** "in_sync", "behind", "stopped" or "unknown" (no record yet). */
  readonly state: "in_sync" | "behind" | "stopped" | "unknown";
  readonly behindFiles: number;
  readonly behindBytes: number;
  readonly conflicts: number;
  readonly stopped: string | null;
  /**
   * Another device only: when it wrote the progress record it is measured
   * by (its entry's clock, ms), absent when that entry is not held here
   * (compacted). Its standing is as of then: it may have caught up since
   * and the report that says so not have reached this device yet.
   */
  readonly reportedMs?: number;
  /**
   * This device only: of the files it is behind by, those whose version was
   * made by a device since removed from the mesh, per maker's name — only a
   * device that fetched one can send it, and none may have (docs/folders.md).
   */
  readonly waitingOnRemoved?: { name: string; files: number }[];
  /**
   * This device only: of the files it is behind by, those whose version it
   * made itself and no longer holds (deleted while the folder was not synced
   * here, before anyone fetched it): nobody may be able to send them.
   */
  readonly waitingOnSelf?: number;
  /**
   * This device only: what it holds already of the files it is fetching
   * (their transfers' chunks, durable and recorded: folder_partial.ts), left
   * out of `behindBytes` as its progress records leave it out. Absent when
   * the caller did not read the transfers.
   */
  readonly fetchedBytes?: number;
}

function nameOf(home: Home, key: DeviceKey): string {
  return home.view.member(key)?.record.name ?? key.short;
}

/**
 * The standing of every device that joined `folder` and was not removed,
 * from `list`, the folder's winners (folder_winners.ts), and `local`, this
 * device's record of the folder. `ignored` as for `folderStatus`; `parts`:
 * what this device's transfers hold (folder_partial.ts), when read.
 */
export function deviceStandings(
  home: Home,
  folder: string,
  rows: FolderRows,
  list: readonly Winner[],
  local: LocalFolder | undefined,
  ignored: (path: string) => boolean,
  parts?: ReadonlyMap<string, HeldPart>,
): DeviceStanding[] {
  const devices: DeviceStanding[] = [];
  const removedMaker = removedMakers(home);
  for (const [f, hex, row] of rows.deviceRows()) {
    if (f !== folder || !row.joined) continue;
    const key = deviceOfHex(hex);
    // A removed device gets nothing more: never "behind" for good (a chaos soak).
    if (home.view.member(key)?.removed !== undefined) continue;
    const self = key === home.device;
    const p = row.progress;
    const seen = new Map((p?.frontier ?? []).map(([k, s]) => [k.hex, s]));
    let behindFiles = p?.needFiles ?? 0, behindBytes = p?.needBytes ?? 0;
    const fromRemoved = new Map<string, number>();
    let fromSelf = 0, heldBytes = 0;
    const toFetch: (Winner & { version: RegularFileVersion })[] = [];
    // Conflicts of paths this device ignores are not its own to end: another device's.
    let conflictsHere = 0;
    if (self) {
      // Our own disk: what our index does not hold yet.
      behindFiles = 0;
      behindBytes = 0;
      const index = home.folderLocal.index(folder);
      for (const w of list) {
        if (ignored(w.path)) continue;
        if (w.conflict) conflictsHere++;
        // A conflict's losing file still to be copied here, made by a device
        // removed since: waited for like a winner of that device (a chaos
        // soak: the wait showed nowhere, this device said "in sync").
        for (const l of w.losers) {
          const name = removedMaker(l.version, l.maker);
          if (name === undefined) continue;
          fromRemoved.set(name, (fromRemoved.get(name) ?? 0) + 1);
          behindFiles++;
          if (l.version.kind === "file") behindBytes += l.version.size;
        }
        const row = index.rows.get(w.path);
        // A folder's row (docs/folders.md "Empty folders") holds no file.
        // The row's version is decoded only when it is compared (a renamed
        // folder's old paths, deletions now, need no decoding).
        const ok = w.version.kind === "deleted"
          ? row === undefined || row.kind === "dir"
          : !!row?.version && sameContent(decodeStoredFileVersion(row.version), w.version);
        if (ok) continue;
        // Only content to fetch: a deletion or a link needs nobody.
        const fetched = w.version.kind === "file" && w.version.size > 0;
        if (fetched && w.maker === home.device.hex) fromSelf++;
        const name = removedMaker(w.version, w.maker);
        if (name !== undefined) fromRemoved.set(name, (fromRemoved.get(name) ?? 0) + 1);
        behindFiles++;
        if (w.version.kind !== "file") continue;
        toFetch.push(w as Winner & { version: RegularFileVersion });
      }
      // Bytes still to fetch: content held here already (a rename or copy
      // made elsewhere, placed from this device's own files) costs none.
      const here = heldHere(home, local?.root, index.rows.values(), toFetch.map((w) => w.version));
      for (const w of toFetch) {
        const held = here(w.version);
        behindBytes += w.version.size - held;
        // What its transfer holds of this very content is not still to fetch.
        const part = parts?.get(w.path);
        if (part !== undefined && sameContent(part.version, w.version)) {
          heldBytes += Math.max(0, Math.min(part.bytes, w.version.size) - held);
        }
      }
      behindBytes -= heldBytes;
    } else if (p !== undefined) {
      const isBehind = (w: Winner) => w.dots.some(([a, s]) => a !== hex && s > (seen.get(a) ?? 0));
      // Content it holds as far as we can tell: what it had seen, and what a
      // deletion it has not seen yet (the old name of a rename) still holds
      // (named by digest: a SHA-256 each, so only files behind are hashed,
      // and only when such a deletion names something).
      const seenKeys = new Set<string>(), deletedHeld = new Set<string>();
      for (const w of list) {
        const v = w.version;
        if (v.kind === "file" && !isBehind(w)) seenKeys.add(contentKey(v));
        if (v.kind === "deleted" && v.deletedContent !== undefined && isBehind(w)) {
          deletedHeld.add(v.deletedContent);
        }
      }
      const itHolds = (v: RegularFileVersion) =>
        seenKeys.has(contentKey(v)) ||
        (deletedHeld.size > 0 && deletedHeld.has(contentDigest(v)));
      for (const w of list) {
        // Its own versions it holds, whether or not its last report had them.
        if (!isBehind(w)) continue;
        behindFiles++;
        if (w.version.kind === "file" && !itHolds(w.version)) behindBytes += w.version.size;
        // Content only a device removed since made: it may never reach that device either.
        const name = removedMaker(w.version, w.maker);
        if (name !== undefined) fromRemoved.set(name, (fromRemoved.get(name) ?? 0) + 1);
      }
    }
    // Our own folder is looked at now: one unmounted (or moved) since the last
    // round, or that this user can no longer look into, is stopped already,
    // not "in sync" (or "behind") until a round notices.
    const gone = self && local !== undefined ? markerStop(local.root) ?? null : null;
    const stopped = self ? (gone || local?.info.stopped || null) : (p?.stopped || null);
    const reportedMs = !self && p !== undefined
      ? reportTime(home, key, row.progressSeq)
      : undefined;
    devices.push({
      id: key.id,
      name: nameOf(home, key),
      self,
      state: stopped
        ? "stopped"
        : !self && p === undefined
        ? "unknown"
        : behindFiles > 0
        ? "behind"
        : "in_sync",
      behindFiles,
      behindBytes,
      conflicts: self ? conflictsHere : p?.conflicts ?? 0,
      stopped,
      ...(fromRemoved.size > 0
        ? { waitingOnRemoved: [...fromRemoved].map(([name, files]) => ({ name, files })) }
        : {}),
      ...(fromSelf > 0 ? { waitingOnSelf: fromSelf } : {}),
      ...(self && parts !== undefined ? { fetchedBytes: heldBytes } : {}),
      ...(reportedMs !== undefined ? { reportedMs } : {}),
    });
  }
  return devices;
}

/**
 * How many bytes of each of `wanted` this device holds already in its
 * folder: all of it when an index row of `rows` holds the same content
 * (a rename or copy made elsewhere), else the chunks of an inline list that
 * lie in any of its indexed files (local_chunks.ts reads them from there).
 * Only rows of a wanted size are decoded: a large folder's index is not.
 * A manifest list's chunks are not looked up one by one (its tree may not
 * be here): such a file counts as held only whole.
 */
function heldHere(
  home: Home,
  root: string | undefined,
  rows: Iterable<IndexRow>,
  wanted: readonly RegularFileVersion[],
): (v: RegularFileVersion) => number {
  if (wanted.length === 0) return () => 0;
  const sizes = new Set(wanted.map((v) => v.size));
  const wantedKeys = new Set(wanted.map(contentKey));
  const keys = new Set<string>();
  for (const r of rows) {
    if (r.version === null || r.kind !== "file" || !sizes.has(r.size)) continue;
    // Its content only (a rename of every file: 100,000 rows of wanted sizes).
    const v = storedFileContent(r.version);
    if (v === undefined) continue;
    const key = contentKey(v);
    // Held only while the file is still as its scan saw it: one edited or
    // removed since holds that content no more, and the round fetches it.
    if (wantedKeys.has(key) && !keys.has(key) && root !== undefined && asScanned(root, r)) {
      keys.add(key);
    }
  }
  const hashes = wanted.flatMap((v) =>
    "inline" in v.chunks && !keys.has(contentKey(v)) ? v.chunks.inline.map((c) => c.hash) : []
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
  return (v) => {
    if (keys.has(contentKey(v))) return v.size;
    if (!("inline" in v.chunks)) return 0;
    let n = 0;
    for (const c of v.chunks.inline) if (lying.has(c.hash)) n += c.length;
    return Math.min(n, v.size);
  };
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

// The wall clock of the entry that carried a device's progress record.
function reportTime(home: Home, key: DeviceKey, seq: number): number | undefined {
  const raw = seq > 0 ? home.log.entryAt(key, seq) : undefined;
  if (raw === undefined) return undefined;
  return decodeSignedEntry(raw).entry.hlc.wall;
}
