/**
 * @module moved_said
 * Which files moved on one device while another edited them
 * (src/files/moved_edited.ts) `sync now` says after its round: those not
 * said by an earlier round here, so a timer's log says each pair once, when
 * it appears, not every 30 s (`folder status` and `folder conflicts` keep
 * saying them). The old paths said are kept in the folder's local info;
 * a pair that ends is dropped from it, so it is said again if it comes back.
 */

import type { MovedWhileEdited } from "../files/moved_edited.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";

/** A pair as `sync now` says it: the devices by name. */
export interface MovedNote {
  readonly path: string;
  readonly movedTo: string;
  /** Name of the device that moved it ("this device" for this one). */
  readonly movedBy: string;
  /** Name of the device whose edit is kept at `path`. */
  readonly editedBy: string;
}

/** Most old paths a folder's info keeps as said. */
const SAID_KEPT = 1000;

/** The pairs of `moved` not said yet in `folder` (recorded as said now); empty when none. */
export async function movedToSay(
  home: Home,
  folder: string,
  moved: readonly MovedWhileEdited[],
): Promise<MovedNote[]> {
  const info = home.folderLocal.folder(folder)?.info;
  if (info === undefined) return [];
  const said = new Set(info.movedSaid ?? []);
  const now = moved.map((m) => m.path).slice(0, SAID_KEPT);
  const fresh = moved.filter((m) => !said.has(m.path));
  if (now.length !== said.size || now.some((p) => !said.has(p))) {
    const movedSaid = now.length > 0 ? now : undefined;
    await home.write((w) => w.folderLocal.setInfo(folder, { ...info, movedSaid }));
  }
  return fresh.map((m) => ({
    path: m.path,
    movedTo: m.movedTo,
    movedBy: nameOf(home, m.movedBy),
    editedBy: nameOf(home, m.editedBy),
  }));
}

/** "this device", a member's name, or the short id. */
export function nameOf(home: Home, hex: string): string {
  const key = deviceOfHex(hex);
  if (key === home.device) return "this device";
  const m = home.view.member(key);
  return m?.record.name || key.short;
}
