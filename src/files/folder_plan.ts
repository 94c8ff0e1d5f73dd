/**
 * @module folder_plan
 * What a device must do so its disk shows the folder state: a pure function
 * of the state's versions per path (the maximal set, folder_state.ts) and
 * this device's index (which version each path on disk holds). Per path:
 * - the winner (conflict.ts `winnerOf`) belongs at the path: fetch it,
 *   write the link, remove the file, or — when the disk already holds the
 *   same content — adopt it (record that the disk holds it; applying gives
 *   the file the version's mtime, disk_state.ts `takeMtime`);
 * - each concurrent loser whose content differs gets a conflict copy
 *   (`NAME.sync-conflict-…`), unless the state already has a version at that
 *   name (some device made it; it arrives as an ordinary file), or another
 *   copy of the same path (in the state, or planned) holds that content, or a
 *   deletion of the set deleted its content (`undoneIn`: a mere touch of
 *   what was deleted keeps nothing);
 * - once the disk holds the winner and the copies exist, a merge version
 *   (the winner's content, a vector above every version of the set) ends the
 *   conflict. Devices merging at once make versions of equal content, which
 *   need no further merge, so this never ping-pongs. (The caller leaves out
 *   the merge of a file moved on one device while another edited it,
 *   folder_apply.ts: it would drop from the state the deletion that says the
 *   file moved; that conflict stays until its edit is carried to where the
 *   file moved, moved_carry.ts, or the user ends it.)
 * Copies come first (the losing content may be the one on this disk), then
 * writes, then removals (a rename elsewhere reuses the chunks of the file it
 * removes), then merges. What a plan is made of is folder_plan_types.ts; a
 * winner in the way of a folder, plan_blocked.ts.
 */

import { decodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import { undoneIn, winnerOf } from "./conflict.ts";
import { sameContent } from "./version_content.ts";
import { CONFLICT_MARKER, conflictCopyPath, parseConflictCopy } from "./conflict_name.ts";
import type {
  Decided,
  FolderPlan,
  PlanAction,
  PlanIndexRow,
  PlanVersion,
} from "./folder_plan_types.ts";
import { blockedByFolder } from "./plan_blocked.ts";
import { ancestors } from "./paths.ts";

/**
 * Plan one folder. `paths` yields each path of the state with its versions
 * (path order); `index` is this device's index; `idOf` names an encoding.
 */
export function planFolder(
  paths: Iterable<[string, readonly PlanVersion[]]>,
  index: ReadonlyMap<string, PlanIndexRow>,
  idOf: (bytes: Uint8Array) => string,
): FolderPlan {
  const copies: PlanAction[] = [], writes: PlanAction[] = [], removes: PlanAction[] = [];
  const merges: PlanAction[] = [];
  const conflicts: string[] = [];
  const all: [string, readonly PlanVersion[]][] = [];
  let sorted = true;
  for (const [path, list] of paths) {
    if (all.length > 0 && all[all.length - 1][0] > path) sorted = false;
    all.push([path, list]);
  }
  if (!sorted) all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // Last path first: a path's folder-mates below it (`x/…` sorts after `x`)
  // are decided before it, so `folders` tells whether it stands in their way.
  const folders = new Set<string>();
  const work = (function* (): Generator<Decided> {
    for (let k = all.length - 1; k >= 0; k--) {
      const [path, list] = all[k];
      if (list.length === 0) continue;
      const row = index.get(path) ?? null;
      const held = row?.version ? idOf(row.version) : undefined;
      if (list.length === 1 && list[0].id === held) {
        // The common case: the disk holds the only version (never a deletion).
        const blocked = folders.has(path);
        addFolders(folders, path);
        if (!blocked) continue; // nothing to decode, nothing to do
      }
      const versions = list.map((v) => decodeFileVersion(v.bytes));
      const winner = winnerOf(versions);
      if (winner.kind !== "deleted") addFolders(folders, path);
      yield { path, row, held, versions, winner, winnerId: list[versions.indexOf(winner)].id };
    }
  })();
  const copyPaths = new Map<string, FileVersion>();
  const stateAt = new Map(all);
  /** What a name holds (state, disk, copies planned): undefined when free. */
  const holding = (name: string): FileVersion[] | undefined => {
    const planned = copyPaths.get(name);
    if (planned) return [planned];
    const list = stateAt.get(name);
    if (list && list.length > 0) return list.map((v) => decodeFileVersion(v.bytes));
    const row = index.get(name);
    if (row) return row.version ? [decodeFileVersion(row.version)] : [];
    return undefined;
  };
  // The copies of each path, by the path they copy: those in the state
  // (listed once, when a copy is first planned) and those planned here.
  let copiesOf: Map<string, string[]> | undefined;
  const plannedOf = new Map<string, string[]>();
  /** A copy of `loser`'s path that holds its content (state or planned), if any. */
  const copyOfContent = (loser: FileVersion): string | undefined => {
    if (copiesOf === undefined) {
      copiesOf = new Map();
      for (const [name, list] of all) {
        if (list.length === 0 || !name.includes(CONFLICT_MARKER)) continue;
        const of = parseConflictCopy(name)?.of;
        if (of !== undefined) copiesOf.set(of, [...(copiesOf.get(of) ?? []), name]);
      }
    }
    const inState = copiesOf.get(loser.path)?.find((name) => {
      const there = winnerOf(stateAt.get(name)!.map((v) => decodeFileVersion(v.bytes)));
      return there.kind !== "deleted" && sameContent(there, loser);
    });
    return inState ??
      plannedOf.get(loser.path)?.find((name) => sameContent(copyPaths.get(name)!, loser));
  };
  for (const w of work) {
    const { path, row, held, versions, winner, winnerId } = w;
    const differing = versions.filter((v) => !sameContent(v, winner));
    if (differing.length > 0) conflicts.push(path);
    const made: string[] = [];
    /** Plan the loser's copy; the name it is (or already was) kept under. */
    const copy = (loser: FileVersion): string => {
      let copyPath = conflictCopyPath(loser);
      let there = holding(copyPath);
      // A name already made holds this content: nothing to make. Other
      // content there (one device's two losing versions in one second), or a
      // deletion (which content the user removed is not known, and it may
      // not be this one): the content-tagged name — an extra copy at worst,
      // never a content left nowhere (found by the review helper).
      if (there?.some((v) => sameContent(v, loser))) return copyPath;
      // Another copy of this path holds this content already: a device that
      // joined with the original of a file edited elsewhere, whose copy an
      // earlier conflict made from another device's original (the same bytes,
      // another time or maker, so another name). A second copy of the same
      // bytes is only more to clean up.
      const kept = copyOfContent(loser);
      if (kept !== undefined) return kept;
      if (there !== undefined) {
        copyPath = conflictCopyPath(loser, true);
        there = holding(copyPath);
        if (there !== undefined) return copyPath;
      }
      copyPaths.set(copyPath, loser);
      plannedOf.set(loser.path, [...(plannedOf.get(loser.path) ?? []), copyPath]);
      made.push(copyPath);
      copies.push({
        kind: "write",
        path: copyPath,
        version: { ...loser, path: copyPath },
        id: "",
        expected: null,
        copy: true,
      });
      return copyPath;
    };
    const undone = differing.length > 0 ? undoneIn(versions) : new Set<FileVersion>();
    for (const loser of differing) {
      if (loser.kind !== "deleted" && !undone.has(loser)) copy(loser);
    }
    if (winner.kind !== "deleted" && folders.has(path)) {
      blockedByFolder(w, copy, made, removes, merges, conflicts);
      continue;
    }
    if (held !== winnerId) {
      const heldVersion = row?.version ? decodeFileVersion(row.version) : undefined;
      if (row === null) {
        if (winner.kind !== "deleted") {
          writes.push({
            kind: "write",
            path,
            version: winner,
            id: winnerId,
            expected: null,
            copy: false,
          });
        }
      } else if (heldVersion === undefined) {
        // Indexed but never published (should not happen): leave the local file alone.
      } else if (
        sameContent(heldVersion, winner) &&
        (winner.kind !== "file" ||
          (heldVersion.kind === "file" && heldVersion.exec === winner.exec))
      ) {
        writes.push({ kind: "adopt", path, id: winnerId, version: winner, row });
      } else if (winner.kind === "deleted") {
        removes.push({ kind: "remove", path, id: winnerId, version: winner, expected: row });
      } else {
        writes.push({
          kind: "write",
          path,
          version: winner,
          id: winnerId,
          expected: row,
          copy: false,
        });
      }
    }
    if (differing.length > 0) {
      merges.push({ kind: "merge", path, winner, set: versions, copies: made });
    }
  }
  // Decided last path first: put each list back in path order.
  for (const list of [copies, writes, removes, merges, conflicts]) list.reverse();
  return { actions: [...copies, ...writes, ...removes, ...merges], conflicts };
}

function addFolders(folders: Set<string>, path: string): void {
  for (const dir of ancestors(path)) {
    if (folders.has(dir)) return; // and everything above it
    folders.add(dir);
  }
}
