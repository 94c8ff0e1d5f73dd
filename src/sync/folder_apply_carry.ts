/**
 * @module folder_apply_carry
 * Before a folder's plan runs (folder_apply.ts): carry the edit of each
 * file moved on one device while another edited it to where it moved
 * (src/files/moved_carry.ts says when, and what is published), when this
 * device may. It may when its disk holds the edit at the old path (its
 * index says so): the content it publishes at the new path is then content
 * it can send, and writing it here needs no fetch (the plan writes the new
 * path from the old path's chunks, then removes the old path, as for any
 * move a peer made). A device that has not fetched the edit yet waits
 * (`waiting`): it, or a device that has, carries it in a later round. Nor
 * does a device carry what it ignores at either path (it does not write
 * them). The versions are committed in one entry before the plan is made
 * again, so the same round brings the disk to them.
 */

import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { Op } from "../log/ops.ts";
import { carryVersions, editToCarry } from "../files/moved_carry.ts";
import type { MovedWhileEdited } from "../files/moved_edited.ts";
import { contentDigest, sameContent } from "../files/version_content.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow } from "../storage/sql_folder_local.ts";
import { commitSplit } from "./folder_scan_split.ts";

/** A pair to be carried, and the content of the edit that is to go there. */
export type CarryWaiting = MovedWhileEdited & { readonly edit: string };

/** What {@link carryEdits} did. */
export interface CarryOutcome {
  /** The pairs whose edit this device carried (published) now. */
  readonly carried: MovedWhileEdited[];
  /**
   * The pairs that will be carried, but not by this device now (it lacks
   * the edit), each with the edit's content digest.
   */
  readonly waiting: CarryWaiting[];
  /** Pairs that could be carried but whose vectors would be too wide, with why. */
  readonly problems: { path: string; reason: string }[];
}

/** Carry what this device may of `moved` in `folder` (see the module comment). */
export async function carryEdits(
  home: Home,
  folder: string,
  moved: readonly MovedWhileEdited[],
  rows: ReadonlyMap<string, IndexRow>,
  ignored: (path: string) => boolean,
): Promise<CarryOutcome> {
  const out: CarryOutcome = { carried: [], waiting: [], problems: [] };
  if (moved.length === 0) return out;
  const state = home.view.folders();
  const at = (path: string): FileVersion[] =>
    state.versionsAt(folder, path).map((v) => decodeFileVersion(v.bytes));
  const ops: [Op, number][] = [];
  const now = home.now();
  for (const pair of moved) {
    const atOld = at(pair.path), atNew = at(pair.movedTo);
    const edit = editToCarry(pair, atOld, atNew);
    if (edit === undefined) continue; // stays as it is, said as before
    const row = rows.get(pair.path);
    const held = row?.version ? decodeFileVersion(row.version) : undefined;
    const holds = held !== undefined && sameContent(held, edit);
    if (!holds || ignored(pair.path) || ignored(pair.movedTo)) {
      out.waiting.push({ ...pair, edit: contentDigest(edit) });
      continue;
    }
    const made = carryVersions(pair, edit, atOld, atNew, home.device.id, now);
    if (typeof made === "string") {
      out.problems.push({ path: pair.path, reason: `its edit can't be carried here: ${made}` });
      continue;
    }
    // Side by side: an entry holds both (but for a split of thousands).
    for (const v of [made.atNew, made.atOld]) {
      ops.push([{ type: "file.version", folder, version: v }, encodeFileVersion(v).length]);
    }
    out.carried.push(pair);
  }
  if (ops.length > 0) await home.write((w) => commitSplit(w, ops), { signs: true });
  return out;
}
