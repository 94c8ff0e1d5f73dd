/**
 * @module moved_said
 * Which files moved on one device while another edited them
 * (src/files/moved_edited.ts) `sync now` says after its round: those not
 * said by an earlier round here, so a timer's log says each pair once, when
 * it appears, not every 30 s (`folder status` and `folder conflicts` keep
 * saying them). The old paths said are kept in the folder's local info;
 * a pair that ends is dropped from it, so it is said again if it comes back.
 * A pair whose edit is to be carried to where the file moved
 * (folder_apply_carry.ts) is not said so: the round that sees it carried
 * says that instead ({@link carriedToSay}).
 */

import type { MovedWhileEdited } from "../files/moved_edited.ts";
import { winnerOf } from "../files/conflict.ts";
import { contentDigest } from "../files/version_content.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { CarryWaiting } from "./folder_apply_carry.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import { toHex } from "../bytes.ts";

/** A pair as `sync now` says it: the devices by name. */
export interface MovedNote {
  readonly path: string;
  readonly movedTo: string;
  /** Name of the device that moved it ("this device" for this one). */
  readonly movedBy: string;
  /** Name of the device whose edit is kept at `path`. */
  readonly editedBy: string;
}

/** Most old paths a folder's info keeps as said, one by one. */
export const SAID_KEPT = 1000;

/** What `sync now` says of a folder's moved-while-edited pairs this round. */
export interface MovedSaid {
  /** The pairs not said yet, one by one (those among the first {@link SAID_KEPT} by path). */
  readonly notes: MovedNote[];
  /**
   * Past the first {@link SAID_KEPT} by path, the count of the rest, when
   * that set is not the one said last (0 otherwise): they are said as one
   * line, not one by one, and not again until the set changes.
   */
  readonly more: number;
}

/**
 * The pairs of `moved` not said yet in `folder` (recorded as said now). The
 * first {@link SAID_KEPT} old paths by path are kept and said one by one;
 * the rest only as a digest of their set, said as a count when it changes.
 * Before, the pairs past the first 1000 were never recorded, so every round
 * of `sync now` said them again; keeping them all would let a folder's info
 * grow without bound.
 */
export async function movedToSay(
  home: Home,
  folder: string,
  moved: readonly MovedWhileEdited[],
): Promise<MovedSaid> {
  const info = home.folderLocal.folder(folder)?.info;
  if (info === undefined) return { notes: [], more: 0 };
  const paths = moved.map((m) => m.path).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
  const now = paths.slice(0, SAID_KEPT);
  const rest = paths.slice(SAID_KEPT);
  const restDigest = rest.length > 0 ? await digestOf(rest) : undefined;
  const said = new Set(info.movedSaid ?? []);
  const kept = new Set(now);
  const fresh = moved.filter((m) => kept.has(m.path) && !said.has(m.path));
  const more = restDigest !== undefined && restDigest !== info.movedSaidRest ? rest.length : 0;
  if (
    now.length !== said.size || now.some((p) => !said.has(p)) ||
    restDigest !== info.movedSaidRest
  ) {
    const movedSaid = now.length > 0 ? now : undefined;
    await home.write((w) =>
      w.folderLocal.setInfo(folder, { ...info, movedSaid, movedSaidRest: restDigest })
    );
  }
  const notes = fresh.map((m) => ({
    path: m.path,
    movedTo: m.movedTo,
    movedBy: nameOf(home, m.movedBy),
    editedBy: nameOf(home, m.editedBy),
  }));
  return { notes, more };
}

/** SHA-256 (hex) of a sorted list of paths, each ended by a NUL (no path holds one). */
async function digestOf(paths: readonly string[]): Promise<string> {
  const bytes = new TextEncoder().encode(paths.map((p) => `${p}\0`).join(""));
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** "this device", a member's name, or the short id. */
export function nameOf(home: Home, hex: string): string {
  const key = deviceOfHex(hex);
  if (key === home.device) return "this device";
  const m = home.view.member(key);
  return m?.record.name || key.short;
}

/** An edit carried to where its file moved, as `sync now` says it (src/files/moved_carry.ts). */
export interface CarriedNote {
  readonly path: string;
  readonly movedTo: string;
  /** Name of the device whose edit it is. */
  readonly editedBy: string;
  /** Name of the device that moved the file. */
  readonly movedBy: string;
  /** Hex keys of the two, for `--json`. */
  readonly editedById: string;
  readonly movedById: string;
}

/**
 * The edits carried to where their file moved that `sync now` says this
 * round, once: those this device carried (`carried`), and those it waited
 * for (kept in the folder's info from an earlier round) that the state now
 * shows carried — the old path deleted, the new path holding the edit's
 * content — by another device. `waiting`: those still to be carried, kept
 * for the next round; one that ended otherwise (the user moved or deleted a
 * copy meanwhile) is dropped unsaid.
 */
export async function carriedToSay(
  home: Home,
  folder: string,
  carried: readonly MovedWhileEdited[],
  waiting: readonly CarryWaiting[],
): Promise<CarriedNote[]> {
  const info = home.folderLocal.folder(folder)?.info;
  if (info === undefined) return [];
  const before = info.carryWaiting ?? [];
  const notes: CarriedNote[] = carried.map((m) => note(home, m.path, m.movedTo, m));
  const still = new Set([...waiting.map((w) => w.path), ...carried.map((m) => m.path)]);
  const state = home.view.folders();
  const winner = (path: string) => {
    const list = state.versionsAt(folder, path).map((v) => decodeFileVersion(v.bytes));
    return list.length === 0 ? undefined : winnerOf(list);
  };
  for (const w of before) {
    if (still.has(w.path)) continue;
    const there = winner(w.to);
    const gone = winner(w.path);
    const done = (gone === undefined || gone.kind === "deleted") && there !== undefined &&
      there.kind !== "deleted" && contentDigest(there) === w.content;
    if (done) notes.push(note(home, w.path, w.to, w));
  }
  const now = waiting.slice(0, SAID_KEPT).map((w) => ({
    path: w.path,
    to: w.movedTo,
    content: w.edit,
    editedBy: w.editedBy,
    movedBy: w.movedBy,
  }));
  if (JSON.stringify(now) !== JSON.stringify(before)) {
    const carryWaiting = now.length > 0 ? now : undefined;
    await home.write((w) => w.folderLocal.setInfo(folder, { ...info, carryWaiting }));
  }
  return notes;
}

function note(
  home: Home,
  path: string,
  movedTo: string,
  by: { editedBy: string; movedBy: string },
): CarriedNote {
  return {
    path,
    movedTo,
    editedBy: nameOf(home, by.editedBy),
    movedBy: nameOf(home, by.movedBy),
    editedById: by.editedBy,
    movedById: by.movedBy,
  };
}
