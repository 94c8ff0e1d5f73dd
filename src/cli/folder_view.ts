/**
 * @module folder_view
 * What `folder list`, `folder status` and `folder conflicts` show, computed
 * from the replicated folder state and this device's local records:
 * - a folder's files and bytes: the winners of the state that are files or
 *   links (not deletions);
 * - each device that joined: this device from its own index; another from
 *   its last progress record, measured against our state — versions we hold
 *   that its record had not seen count as "behind", plus what it said it
 *   still needed;
 * - conflicts: paths whose concurrent versions differ in content, and the
 *   conflict copies in the folder.
 */

import { isConflictCopy, sameContent, undoneIn, winnerOf } from "../files/conflict.ts";
import { decodeFileVersion, type FileVersion } from "../files/file_version.ts";
import { builtVvProblem, bumpVv, mergeVv, type VersionVector } from "../files/version_vector.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { FolderRows } from "../log/folder_state.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { markerStop } from "../files/folder_marker.ts";

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
}

/** A folder as `folder status` shows it. */
export interface FolderStatus {
  readonly id: string;
  readonly name: string;
  /** Where it is on this device (null: not joined here). */
  readonly path: string | null;
  readonly files: number;
  readonly bytes: number;
  readonly conflicts: number;
  readonly devices: DeviceStanding[];
  /** Deletions held back here, waiting for confirmation. */
  readonly heldDeletes: number;
  /** Paths the last scan here could not sync (the first 20), and how many in all. */
  readonly notSynced: { path: string; reason: string }[];
  readonly notSyncedCount: number;
  /** Paths the last round could not write here (the first 20), and how many in all. */
  readonly notWritten: { path: string; reason: string }[];
  readonly notWrittenCount: number;
  /** Old versions the last sweep here could not remove (the first 20), and how many in all. */
  readonly notRemoved: { path: string; reason: string }[];
  readonly notRemovedCount: number;
  /** Folders of old versions the last sweep here could not list (the first 20), and how many. */
  readonly notListed: { path: string; reason: string }[];
  readonly notListedCount: number;
}

interface Winner {
  readonly path: string;
  readonly version: FileVersion;
  /** Per version of the set, its entry's (author hex, seq). */
  readonly dots: readonly [string, number][];
  /** Hex key of the winning version's maker (its entry's author). */
  readonly maker: string;
  readonly conflict: boolean;
  /**
   * The versions that lose to it with other content and are not undone by a
   * deletion (each file or link among them becomes a conflict copy), and their makers.
   */
  readonly losers: readonly { version: FileVersion; maker: string }[];
  /** Every version of the path (the set a merge must be above). */
  readonly versions: readonly FileVersion[];
}

/** The winner of every path of `folder`. */
export function* winners(rows: FolderRows, folder: string): Generator<Winner> {
  for (const [path, list] of rows.paths(folder)) {
    const versions = list.map((v) => decodeFileVersion(v.bytes));
    const w = winnerOf(versions);
    // A version a deletion of the set undid (a mere touch of what it deleted)
    // loses without a copy: nothing of it is waited for.
    const undone = undoneIn(versions);
    yield {
      path,
      version: w,
      dots: list.map((v) => [v.author, v.seq]),
      maker: list[versions.indexOf(w)].author,
      conflict: versions.some((v) => !sameContent(v, w)),
      losers: versions.flatMap((v, i) =>
        sameContent(v, w) || undone.has(v) ? [] : [{ version: v, maker: list[i].author }]
      ),
      versions,
    };
  }
}

function nameOf(home: Home, key: DeviceKey): string {
  return home.view.member(key)?.record.name ?? key.short;
}

/**
 * Status of `folder` (see the module comment). `ignored` says which paths
 * this device ignores: they are never written here, so they are not "behind",
 * and their conflicts are not this device's (the folder's count keeps them).
 */
export function folderStatus(
  home: Home,
  folder: string,
  ignored: (path: string) => boolean = () => false,
): FolderStatus {
  const rows = home.view.folders();
  const share = rows.share(folder);
  const local = home.folderLocal.folder(folder);
  let files = 0, bytes = 0, conflicts = 0;
  const list: Winner[] = [];
  for (const w of winners(rows, folder)) {
    list.push(w);
    if (w.conflict) conflicts++;
    if (w.version.kind === "deleted") continue;
    files++;
    if (w.version.kind === "file") bytes += w.version.size;
  }
  const devices: DeviceStanding[] = [];
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
    let fromSelf = 0;
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
          const name = removedMaker(home, l.version, l.maker);
          if (name === undefined) continue;
          fromRemoved.set(name, (fromRemoved.get(name) ?? 0) + 1);
          behindFiles++;
          if (l.version.kind === "file") behindBytes += l.version.size;
        }
        const row = index.rows.get(w.path);
        const held = row?.version ? decodeFileVersion(row.version) : undefined;
        const ok = w.version.kind === "deleted"
          ? row === undefined
          : held !== undefined && sameContent(held, w.version);
        if (ok) continue;
        // Only content to fetch: a deletion or a link needs nobody.
        const fetched = w.version.kind === "file" && w.version.size > 0;
        if (fetched && w.maker === home.device.hex) fromSelf++;
        const name = removedMaker(home, w.version, w.maker);
        if (name !== undefined) fromRemoved.set(name, (fromRemoved.get(name) ?? 0) + 1);
        behindFiles++;
        if (w.version.kind === "file") behindBytes += w.version.size;
      }
    } else if (p !== undefined) {
      for (const w of list) {
        // Its own versions it holds, whether or not its last report had them.
        if (!w.dots.some(([a, s]) => a !== hex && s > (seen.get(a) ?? 0))) continue;
        behindFiles++;
        if (w.version.kind === "file") behindBytes += w.version.size;
        // Content only a device removed since made: it may never reach that device either.
        const name = removedMaker(home, w.version, w.maker);
        if (name !== undefined) fromRemoved.set(name, (fromRemoved.get(name) ?? 0) + 1);
      }
    }
    // Our own folder is looked at now: one unmounted (or moved) since the last
    // round, or that this user can no longer look into, is stopped already,
    // not "in sync" (or "behind") until a round notices.
    const gone = self && local !== undefined ? markerStop(local.root) ?? null : null;
    const stopped = self ? (gone || local?.info.stopped || null) : (p?.stopped || null);
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
    });
  }
  return {
    id: folder,
    name: share?.name ?? folder,
    path: local?.root ?? null,
    files,
    bytes,
    conflicts,
    devices,
    heldDeletes: local?.info.held?.deletes ?? 0,
    notSynced: local?.info.notSynced ?? [],
    notSyncedCount: local?.info.notSyncedCount ?? 0,
    notWritten: local?.info.notWritten ?? [],
    notWrittenCount: local?.info.notWrittenCount ?? 0,
    notRemoved: local?.info.notRemoved ?? [],
    notRemovedCount: local?.info.notRemovedCount ?? 0,
    notListed: local?.info.notListed ?? [],
    notListedCount: local?.info.notListedCount ?? 0,
  };
}

/**
 * The name of the device removed since that made `v`, when `v` has content
 * to fetch (only a device that fetched it can send it now); else undefined.
 */
function removedMaker(home: Home, v: FileVersion, maker: string): string | undefined {
  if (v.kind !== "file" || v.size === 0) return undefined;
  const by = home.view.member(deviceOfHex(maker));
  return by?.removed === undefined ? undefined : by.record.name;
}

/** A conflict that waits for a version only a device removed since had. */
export interface StuckConflict {
  readonly path: string;
  /** Names of the removed devices whose versions it waits for. */
  readonly makers: string[];
}

/**
 * Conflicting paths and conflict copies of `folder`. A conflict resolves once
 * every version's content is here; `waitingOnRemoved` lists those waiting
 * for a version whose maker was removed since (a loser not copied yet, or a
 * winner this disk does not hold), which may never come (see `folder
 * status`, which counts the same files); absent when there are none.
 * `ignoredHere` lists the copies `ignored` names: never written here, so
 * not on this disk (absent when none).
 */
export function folderConflicts(
  home: Home,
  folder: string,
  ignored: (path: string) => boolean = () => false,
): {
  unresolved: string[];
  copies: string[];
  waitingOnRemoved?: StuckConflict[];
  cannotEnd?: { path: string; reason: string }[];
  ignoredHere?: string[];
} {
  const unresolved: string[] = [], copies: string[] = [];
  const waitingOnRemoved: StuckConflict[] = [];
  const cannotEnd: { path: string; reason: string }[] = [];
  const index = home.folderLocal.index(folder);
  for (const w of winners(home.view.folders(), folder)) {
    if (w.conflict) {
      unresolved.push(w.path);
      const makers = new Set<string>();
      for (const l of w.losers) {
        const name = removedMaker(home, l.version, l.maker);
        if (name !== undefined) makers.add(name);
      }
      const row = index.rows.get(w.path);
      const held = row?.version ? decodeFileVersion(row.version) : undefined;
      const name = removedMaker(home, w.version, w.maker);
      if (name !== undefined && !(held !== undefined && sameContent(held, w.version))) {
        makers.add(name);
      }
      if (makers.size > 0) waitingOnRemoved.push({ path: w.path, makers: [...makers].sort() });
      // The merge that would end it (folder_apply_merge.ts) can't be made here.
      let vv: VersionVector = new Map();
      for (const v of w.versions) vv = mergeVv(vv, v.vv);
      const reason = builtVvProblem(bumpVv(vv, home.device.id));
      if (reason !== undefined) cannotEnd.push({ path: w.path, reason });
    }
    if (w.version.kind !== "deleted" && isConflictCopy(w.path)) copies.push(w.path);
  }
  const ignoredHere = copies.filter(ignored);
  // Absent when none, as on `folder status` rows.
  return {
    unresolved,
    copies,
    ...(waitingOnRemoved.length > 0 ? { waitingOnRemoved } : {}),
    ...(cannotEnd.length > 0 ? { cannotEnd } : {}),
    ...(ignoredHere.length > 0 ? { ignoredHere } : {}),
  };
}
