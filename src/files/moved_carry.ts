/**
 * @module moved_carry
 * Carrying the edit of a file moved on one device while another edited it
 * (moved_edited.ts) to where the file moved: the new path takes the edit's
 * content, the old path is deleted. What the user meant, done without
 * asking, only where nothing can be lost:
 *
 * - the new path still holds exactly the content the move took (every
 *   version there is that content: nobody changed it since, nor made a
 *   file there concurrently — else it is an ordinary conflict, and stays
 *   one, both kept and said);
 * - the old path's winner is a file or link that won over the move's
 *   deletion, and every other file or link there holds that same content
 *   (an edit against an edit is a conflict of its own, with its copy).
 *
 * Then a device publishes, in one entry, the edit's content at the new path
 * (a vector above every version there, its own counter one more: it
 * supersedes the moved content, which the devices holding it keep under
 * `.mycel/versions` as for any replaced file) and a deletion of the old path
 * above every version there, naming the edit's content. That entry has the
 * shape of a move of the edited file, which is what it is: an edit made
 * later, not seeing it, wins over its deletion and is a move while edited
 * again, carried the same way.
 *
 * Several devices may do it at once: the versions they publish at the new
 * path hold the same content (the edit's, with the edit's mtime and exec
 * bit), which is no conflict and makes no copy (conflict.ts), and their
 * deletions of the old path are deletions (the same content): every device
 * ends with the same files and the same state. Which devices may is the
 * caller's (folder_apply_carry.ts): those whose disk holds the edit, so
 * the content they publish is content they can send.
 *
 * Only existing op kinds and fields: a device on an earlier release takes
 * them as a version above the moved one and a deletion above the edit,
 * which are no conflict there either. Pure.
 */

import type {
  DeletedVersion,
  FileVersion,
  RegularFileVersion,
  SymlinkVersion,
} from "../log/file_version.ts";
import type { DeviceId } from "../log/device_id.ts";
import { builtVvProblem, bumpVv, mergeVv, type VersionVector } from "../log/version_vector.ts";
import { winnerOf } from "./conflict.ts";
import { contentDigest, sameContent } from "./version_content.ts";
import type { MovedWhileEdited } from "./moved_edited.ts";

/**
 * The edit to carry for `pair` (the old path's winner), or undefined when
 * the pair must stay as it is (see the module comment). `atOld` and
 * `atNew`: the versions of the state at its old and new path.
 */
export function editToCarry(
  pair: MovedWhileEdited,
  atOld: readonly FileVersion[],
  atNew: readonly FileVersion[],
): RegularFileVersion | SymlinkVersion | undefined {
  if (atOld.length === 0 || atNew.length === 0) return undefined;
  const kept = atNew.every((v) => v.kind !== "deleted" && contentDigest(v) === pair.content);
  if (!kept) return undefined;
  const edit = winnerOf(atOld);
  if (edit.kind === "deleted" || contentDigest(edit) === pair.content) return undefined;
  const moved = atOld.some((v) => v.kind === "deleted" && v.deletedContent === pair.content);
  if (!moved) return undefined;
  // An edit against an edit: its own conflict (a copy), not carried.
  if (atOld.some((v) => v.kind !== "deleted" && !sameContent(v, edit))) return undefined;
  return edit;
}

/** The two versions a carry publishes: the new path's, then the old path's deletion. */
export interface CarryVersions {
  readonly atNew: FileVersion;
  readonly atOld: DeletedVersion;
}

/**
 * The versions carrying `edit` from `pair.path` to `pair.movedTo` makes,
 * made by `self` at `now`; a reason instead when a vector above every
 * version of a path would name too many devices (builtVvProblem).
 */
export function carryVersions(
  pair: MovedWhileEdited,
  edit: RegularFileVersion | SymlinkVersion,
  atOld: readonly FileVersion[],
  atNew: readonly FileVersion[],
  self: DeviceId,
  now: number,
): CarryVersions | string {
  const above = (list: readonly FileVersion[]) => {
    let vv: VersionVector = new Map();
    for (const v of list) vv = mergeVv(vv, v.vv);
    return bumpVv(vv, self);
  };
  const newVv = above(atNew), oldVv = above(atOld);
  const wide = builtVvProblem(newVv) ?? builtVvProblem(oldVv);
  if (wide !== undefined) return wide;
  // The edit's mtime and exec bit: devices carrying at once publish the
  // same content with the same time, so no disk differs in either.
  const atNewVersion: FileVersion = { ...edit, path: pair.movedTo, modifiedBy: self, vv: newVv };
  const atOldVersion: DeletedVersion = {
    kind: "deleted",
    path: pair.path,
    mtime: now,
    modifiedBy: self,
    vv: oldVv,
    deletedContent: contentDigest(edit),
  };
  return { atNew: atNewVersion, atOld: atOldVersion };
}
