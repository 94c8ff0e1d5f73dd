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

import {
  contentDigest,
  contentKey,
  type FileContent,
  sameContent,
} from "../files/version_content.ts";
import type { RegularFileVersion } from "../log/file_version.ts";
import { decodeStoredFileVersion } from "../log/file_version_codec.ts";
import { markerStop } from "../files/folder_marker.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceFolderRow, FolderRows } from "../log/folder_state.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { HeldPart } from "./folder_partial.ts";
import { removedMakers, type Winner } from "./folder_winners.ts";
import { heldHere } from "./held_here.ts";
import { pathCursor } from "./path_cursor.ts";
import type { IndexRow } from "../storage/sql_file_index.ts";

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

/** What one device's standing counts as the folder's winners go by. */
interface Counting {
  behindFiles: number;
  behindBytes: number;
  conflicts: number;
  heldBytes: number;
  fromSelf: number;
  readonly fromRemoved: Map<string, number>;
  add(w: Winner): void;
  /** Done after the last winner: what needed all of them (content held). */
  end(): void;
}

/**
 * The standing of every device that joined `folder` and was not removed,
 * counted in one pass over the folder's winners (folder_winners.ts) without
 * keeping them: `add` each winner, then `finish`. `local`: this device's
 * record of the folder; `ignored` as for `folderStatus`; `parts`: what this
 * device's transfers hold (folder_partial.ts), when read. Only the files a
 * device may still have to fetch are kept to the end (their bytes depend on
 * content seen later), not the 200,000 winners of a large folder.
 */
export function deviceStandings(
  home: Home,
  folder: string,
  rows: FolderRows,
  local: LocalFolder | undefined,
  ignored: (path: string) => boolean,
  parts?: ReadonlyMap<string, HeldPart>,
): { add(w: Winner): void; finish(): DeviceStanding[] } {
  const removedMaker = removedMakers(home);
  const devices: { key: DeviceKey; self: boolean; row: DeviceFolderRow; c: Counting }[] = [];
  for (const [f, hex, row] of rows.deviceRows()) {
    if (f !== folder || !row.joined) continue;
    const key = deviceOfHex(hex);
    // A removed device gets nothing more: never "behind" for good (a chaos soak).
    if (home.view.member(key)?.removed !== undefined) continue;
    const self = key === home.device;
    const c = self
      ? selfCounting(home, folder, local, ignored, removedMaker, parts)
      : otherCounting(hex, row, removedMaker);
    devices.push({ key, self, row, c });
  }
  return {
    add(w) {
      for (const d of devices) d.c.add(w);
    },
    finish: () =>
      devices.map(({ key, self, row, c }) => {
        c.end();
        return standingOf(home, key, self, row, local, c, parts !== undefined);
      }),
  };
}

// The standing of one device once its counting ended.
function standingOf(
  home: Home,
  key: DeviceKey,
  self: boolean,
  row: DeviceFolderRow,
  local: LocalFolder | undefined,
  c: Counting,
  partsRead: boolean,
): DeviceStanding {
  const p = row.progress;
  // Our own folder is looked at now: one unmounted (or moved) since the last
  // round, or that this user can no longer look into, is stopped already,
  // not "in sync" (or "behind") until a round notices.
  const gone = self && local !== undefined ? markerStop(local.root) ?? null : null;
  const stopped = self ? (gone || local?.info.stopped || null) : (p?.stopped || null);
  const reportedMs = !self && p !== undefined ? reportTime(home, key, row.progressSeq) : undefined;
  return {
    id: key.id,
    name: nameOf(home, key),
    self,
    state: stopped
      ? "stopped"
      : !self && p === undefined
      ? "unknown"
      : c.behindFiles > 0
      ? "behind"
      : "in_sync",
    behindFiles: c.behindFiles,
    behindBytes: c.behindBytes,
    conflicts: self ? c.conflicts : p?.conflicts ?? 0,
    stopped,
    ...(c.fromRemoved.size > 0
      ? { waitingOnRemoved: [...c.fromRemoved].map(([name, files]) => ({ name, files })) }
      : {}),
    ...(c.fromSelf > 0 ? { waitingOnSelf: c.fromSelf } : {}),
    ...(self && partsRead ? { fetchedBytes: c.heldBytes } : {}),
    ...(reportedMs !== undefined ? { reportedMs } : {}),
  };
}

/** This device: measured against its own disk, what its index does not hold yet. */
function selfCounting(
  home: Home,
  folder: string,
  local: LocalFolder | undefined,
  ignored: (path: string) => boolean,
  removedMaker: ReturnType<typeof removedMakers>,
  parts?: ReadonlyMap<string, HeldPart>,
): Counting {
  // Its index read alongside the winners (both by path), none of it kept.
  const index = pathCursor<IndexRow>(home.folderLocal.indexRows(folder));
  // Only what its bytes need of the files to fetch (path, size, chunks): not
  // the winners, nor their versions' vectors (100,000 kept to the end).
  const toFetch: { path: string; content: FileContent }[] = [];
  const c: Counting = {
    behindFiles: 0,
    behindBytes: 0,
    conflicts: 0,
    heldBytes: 0,
    fromSelf: 0,
    fromRemoved: new Map(),
    add(w) {
      if (ignored(w.path)) return;
      // Conflicts of paths this device ignores are not its own to end: another device's.
      if (w.conflict) c.conflicts++;
      // A conflict's losing file still to be copied here, made by a device
      // removed since: waited for like a winner of that device (a chaos
      // soak: the wait showed nowhere, this device said "in sync").
      for (const l of w.losers) {
        const name = removedMaker(l.version, l.maker);
        if (name === undefined) continue;
        c.fromRemoved.set(name, (c.fromRemoved.get(name) ?? 0) + 1);
        c.behindFiles++;
        if (l.version.kind === "file") c.behindBytes += l.version.size;
      }
      const row = index.at(w.path);
      // A folder's row (docs/folders.md "Empty folders") holds no file.
      // The row's version is decoded only when it is compared (a renamed
      // folder's old paths, deletions now, need no decoding).
      const ok = w.version.kind === "deleted"
        ? row === undefined || row.kind === "dir"
        : !!row?.version && sameContent(decodeStoredFileVersion(row.version), w.version);
      if (ok) return;
      // Only content to fetch: a deletion or a link needs nobody.
      const fetched = w.version.kind === "file" && w.version.size > 0;
      if (fetched && w.maker === home.device.hex) c.fromSelf++;
      const name = removedMaker(w.version, w.maker);
      if (name !== undefined) c.fromRemoved.set(name, (c.fromRemoved.get(name) ?? 0) + 1);
      c.behindFiles++;
      const v = w.version;
      if (v.kind === "file") {
        toFetch.push({ path: w.path, content: { kind: "file", size: v.size, chunks: v.chunks } });
      }
    },
    end() {
      // Bytes still to fetch: content held here already (a rename or copy
      // made elsewhere, placed from this device's own files) costs none.
      index.close();
      const rows = home.folderLocal.indexRows(folder);
      const here = heldHere(home, local?.root, rows, toFetch.map((w) => w.content));
      toFetch.forEach(({ path, content }, i) => {
        const held = here[i];
        c.behindBytes += content.size - held;
        // What its transfer holds of this very content is not still to fetch.
        const part = parts?.get(path);
        if (part !== undefined && sameContent(part.version, content)) {
          c.heldBytes += Math.max(0, Math.min(part.bytes, content.size) - held);
        }
      });
      c.behindBytes -= c.heldBytes;
    },
  };
  return c;
}

/**
 * Another device: from its last progress record (none: nothing counted),
 * versions it had not seen are behind, plus what it said it still needed.
 */
function otherCounting(
  hex: string,
  row: DeviceFolderRow,
  removedMaker: ReturnType<typeof removedMakers>,
): Counting {
  const p = row.progress;
  const seen = new Map((p?.frontier ?? []).map(([k, s]) => [k.hex, s]));
  const isBehind = (w: Winner) => w.dots.some(([a, s]) => a !== hex && s > (seen.get(a) ?? 0));
  // Content it holds as far as we can tell: what it had seen, and what a
  // deletion it has not seen yet (the old name of a rename) still holds
  // (named by digest: a SHA-256 each, so only files behind are hashed,
  // and only when such a deletion names something). Known only at the end:
  // the files behind wait for it.
  const seenKeys = new Set<string>(), deletedHeld = new Set<string>();
  const behind: RegularFileVersion[] = [];
  const c: Counting = {
    behindFiles: p?.needFiles ?? 0,
    behindBytes: p?.needBytes ?? 0,
    conflicts: 0,
    heldBytes: 0,
    fromSelf: 0,
    fromRemoved: new Map(),
    add(w) {
      if (p === undefined) return;
      const v = w.version;
      // Its own versions it holds, whether or not its last report had them.
      if (!isBehind(w)) {
        if (v.kind === "file") seenKeys.add(contentKey(v));
        return;
      }
      if (v.kind === "deleted" && v.deletedContent !== undefined) deletedHeld.add(v.deletedContent);
      c.behindFiles++;
      if (v.kind === "file") behind.push(v);
      // Content only a device removed since made: it may never reach that device either.
      const name = removedMaker(v, w.maker);
      if (name !== undefined) c.fromRemoved.set(name, (c.fromRemoved.get(name) ?? 0) + 1);
    },
    end() {
      const itHolds = (v: RegularFileVersion) =>
        seenKeys.has(contentKey(v)) ||
        (deletedHeld.size > 0 && deletedHeld.has(contentDigest(v)));
      for (const v of behind) if (!itHolds(v)) c.behindBytes += v.size;
    },
  };
  return c;
}

// The wall clock of the entry that carried a device's progress record.
function reportTime(home: Home, key: DeviceKey, seq: number): number | undefined {
  const raw = seq > 0 ? home.log.entryAt(key, seq) : undefined;
  if (raw === undefined) return undefined;
  return decodeSignedEntry(raw).entry.hlc.wall;
}
