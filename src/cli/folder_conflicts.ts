/**
 * @module folder_conflicts
 * What `folder conflicts` shows: the paths of a folder whose concurrent
 * versions differ in content, the conflict copies in it, which conflicts
 * wait on a device removed since (counted as `folder status` counts them:
 * both read folder_winners.ts), and which can't be ended here because the
 * merge's version vector could not be built, and which are a file moved on
 * one device while another edited it (src/files/moved_edited.ts: such a
 * conflict stays until its edit is carried to where the file moved,
 * src/files/moved_carry.ts, or, where it can't be, the user ends it).
 */

import { sameContent } from "../files/version_content.ts";
import { isConflictCopy, parseConflictCopy } from "../files/conflict_name.ts";

import { shortDeviceId } from "../log/device_id.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { builtVvProblem, bumpVv, mergeVv, type VersionVector } from "../log/version_vector.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { removedMakers, winners } from "./folder_winners.ts";
import { movedWhileEdited } from "../files/moved_edited.ts";
import { editToCarry } from "../files/moved_carry.ts";
import { nameOf } from "../sync/moved_said.ts";

/** A conflict that waits for a version only a device removed since had. */
export interface StuckConflict {
  readonly path: string;
  /** Names of the removed devices whose versions it waits for. */
  readonly makers: string[];
}

/** A file moved on one device while another edited it, the devices by name and short id. */
export interface MovedPair {
  /** The old path: it holds the edit. */
  readonly path: string;
  /** Where the move put the content before the edit. */
  readonly movedTo: string;
  readonly movedBy: string;
  readonly movedById: string;
  readonly editedBy: string;
  readonly editedById: string;
  /** Its edit is to be carried to `movedTo` (src/files/moved_carry.ts): nothing to do. */
  readonly carrying: boolean;
}

/** What a conflict copy holds, from its name, checked against the state. */
export interface CopyDetail {
  /** The copy's path. */
  readonly path: string;
  /** The file it is a version of, when the state has a file at that path. */
  readonly of?: string;
  /**
   * The path it is a version of, when that path is a folder in the state
   * now (a file turned into a folder won over it): the copy can't be moved
   * over it.
   */
  readonly ofFolder?: string;
  /** Short id of the device that made the copied version. */
  readonly device: string;
  /** That device's name, when it is (or was) a member. */
  readonly deviceName?: string;
  /** The copied version's mtime (whole seconds, ms since the epoch). */
  readonly modifiedMs: number;
}

/**
 * Conflicting paths and conflict copies of `folder`. A conflict resolves once
 * every version's content is here; `waitingOnRemoved` lists those waiting
 * for a version whose maker was removed since (a loser not copied yet, or a
 * winner this disk does not hold), which may never come (see `folder
 * status`, which counts the same files); absent when there are none.
 * `ignoredHere` lists the copies `ignored` names: never written here, so
 * not on this disk (absent when none). `moved` lists the conflicts that are
 * a file moved on one device while another edited it (absent when none):
 * they are among `unresolved` and stay until the user ends them.
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
  moved?: MovedPair[];
  details: CopyDetail[];
} {
  const unresolved: string[] = [], copies: string[] = [];
  const waitingOnRemoved: StuckConflict[] = [];
  const cannotEnd: { path: string; reason: string }[] = [];
  const index = home.folderLocal.index(folder);
  const live = new Set<string>(); // paths holding a file or link
  const removedMaker = removedMakers(home);
  for (const w of winners(home.view.folders(), folder)) {
    if (w.conflict) {
      unresolved.push(w.path);
      const makers = new Set<string>();
      for (const l of w.losers) {
        const name = removedMaker(l.version, l.maker);
        if (name !== undefined) makers.add(name);
      }
      const row = index.rows.get(w.path);
      const held = row?.version ? decodeFileVersion(row.version) : undefined;
      const name = removedMaker(w.version, w.maker);
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
    if (w.version.kind !== "deleted") {
      live.add(w.path);
      if (isConflictCopy(w.path)) copies.push(w.path);
    }
  }
  const ignoredHere = copies.filter(ignored);
  const at = (path: string) =>
    home.view.folders().versionsAt(folder, path).map((v) => decodeFileVersion(v.bytes));
  const moved = movedWhileEdited(() => home.view.folders().paths(folder)).map((m) => ({
    carrying: editToCarry(m, at(m.path), at(m.movedTo)) !== undefined,
    path: m.path,
    movedTo: m.movedTo,
    movedBy: nameOf(home, m.movedBy),
    movedById: deviceOfHex(m.movedBy).short,
    editedBy: nameOf(home, m.editedBy),
    editedById: deviceOfHex(m.editedBy).short,
  }));
  const details = copyDetails(home, copies, live);
  // Absent when none, as on `folder status` rows.
  return {
    unresolved,
    copies,
    ...(waitingOnRemoved.length > 0 ? { waitingOnRemoved } : {}),
    ...(cannotEnd.length > 0 ? { cannotEnd } : {}),
    ...(ignoredHere.length > 0 ? { ignoredHere } : {}),
    ...(moved.length > 0 ? { moved } : {}),
    details,
  };
}

// What each copy's name says, the original only where the state holds it
// (a name may lie: a file named like a copy by hand, a stem cut to fit).
function copyDetails(home: Home, copies: string[], live: Set<string>): CopyDetail[] {
  if (copies.length === 0) return [];
  const names = new Map<string, string>();
  for (const m of home.view.members()) names.set(shortDeviceId(m.record.id), m.record.name);
  // Folders in the state: the parents of its files and links.
  const folders = new Set<string>();
  for (const p of live) {
    for (let i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/", i - 1)) {
      if (folders.has(p.slice(0, i))) break;
      folders.add(p.slice(0, i));
    }
  }
  const out: CopyDetail[] = [];
  for (const path of copies) {
    const n = parseConflictCopy(path);
    if (n === undefined) continue;
    const name = names.get(n.device);
    out.push({
      path,
      ...(live.has(n.of) ? { of: n.of } : folders.has(n.of) ? { ofFolder: n.of } : {}),
      device: n.device,
      ...(name !== undefined && name !== "" ? { deviceName: name } : {}),
      modifiedMs: n.modifiedMs,
    });
  }
  return out;
}
