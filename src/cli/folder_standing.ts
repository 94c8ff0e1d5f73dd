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
 * winners, counted as they go by (this device: standing_self.ts; another:
 * standing_other.ts).
 */

import { markerStop } from "../files/folder_marker.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceFolderRow, FolderRows } from "../log/folder_state.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { HeldPart } from "./folder_partial.ts";
import { removedMakers, type Winner, winners } from "./folder_winners.ts";
import type { Counting } from "./standing_count.ts";
import { otherCounting } from "./standing_other.ts";
import { selfCounting } from "./standing_self.ts";

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
  /**
   * This device only: when it last scanned the folder (ms). Its standing is
   * of what it holds as of then: a file changed on disk since is in no
   * state yet, and "in sync" says nothing of it.
   */
  readonly scannedMs?: number;
}

function nameOf(home: Home, key: DeviceKey): string {
  return home.view.member(key)?.record.name ?? key.short;
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
  const frontier = rows.frontier(folder);
  for (const [f, hex, row] of rows.deviceRows()) {
    if (f !== folder || !row.joined) continue;
    const key = deviceOfHex(hex);
    // A removed device gets nothing more: never "behind" for good (a chaos soak).
    if (home.view.member(key)?.removed !== undefined) continue;
    const self = key === home.device;
    const c = self
      ? selfCounting(home, folder, local, ignored, removedMaker, parts)
      : otherCounting(hex, row, removedMaker, frontier, () => winners(rows, folder));
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
    ...(self && local?.info.lastScan !== undefined ? { scannedMs: local.info.lastScan } : {}),
  };
}

// The wall clock of the entry that carried a device's progress record.
function reportTime(home: Home, key: DeviceKey, seq: number): number | undefined {
  const raw = seq > 0 ? home.log.entryAt(key, seq) : undefined;
  if (raw === undefined) return undefined;
  return decodeSignedEntry(raw).entry.hlc.wall;
}
