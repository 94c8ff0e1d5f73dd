/**
 * @module kind_change
 * A path that changed kind on another device, between a file and a folder:
 * the file `x` gave way to `x/y`, or the files in `x/` gave way to a file
 * `x`. The plan writes before it removes (a rename elsewhere reuses the
 * chunks of the file it removes), which here leaves each write facing the
 * other kind: `x/y` can't be made while `x` is a file, and `x` can't take the
 * place of a folder — the second never converged (reported as changed here,
 * round after round). {@link removalsInTheWay} picks the removals that must
 * go first (pure); {@link clearEmptyFolder} then removes a folder they left
 * holding nothing but empty folders, so the file can take its name. A folder
 * that still holds anything (a file not synced, an ignored one) stays, and
 * the write is reported. What a write needed of the removed file's chunks
 * then comes from a peer — except a file that is itself the source of a
 * conflict copy made this round (a file edited here while another device
 * turned its name into a folder, folder_plan.ts): it is removed after the
 * copy is written, and the writes below its name wait until then
 * ({@link writesAfterLate}; src/sync/folder_apply_after_late.ts writes them
 * in the same round).
 */

import { join } from "node:path";
import type { PlanAction } from "./folder_plan_types.ts";
import { ancestors, checkRelativePath, parentOf } from "./paths.ts";
import { ensureRealParents } from "./safe_paths.ts";

/**
 * Removals a write needs done before it: of a file at a folder on the way to
 * a written path, and of the files under a written path (it becomes a file).
 */
export function removalsInTheWay(
  actions: readonly PlanAction[],
): Extract<PlanAction, { kind: "remove" }>[] {
  const written = new Set<string>();
  const folders = new Set<string>();
  for (const a of actions) {
    if (a.kind !== "write") continue;
    written.add(a.path);
    for (const p of ancestors(a.path)) folders.add(p);
  }
  if (written.size === 0) return [];
  return actions.filter((a): a is Extract<PlanAction, { kind: "remove" }> =>
    a.kind === "remove" && a.late !== true &&
    (folders.has(a.path) || ancestors(a.path).some((p) => written.has(p)))
  );
}

/**
 * Writes that wait for the removals: below a file removed `late` (it is the
 * source of a conflict copy written this round, folder_plan.ts), whose name
 * they need as a folder. Not an error: the name is free once it is removed.
 */
export function writesAfterLate(actions: readonly PlanAction[]): PlanAction[] {
  const late = new Set(
    actions.filter((a) => a.kind === "remove" && a.late === true).map((a) => a.path),
  );
  if (late.size === 0) return [];
  return actions.filter((a) => a.kind === "write" && ancestors(a.path).some((p) => late.has(p)));
}

/**
 * The paths written where a folder may stand: above files removed first,
 * and every path this device holds nothing indexed at (a folder left there
 * empty — its files renamed away here, say — is not in the index, since
 * folders are not synced, and would stop the write every round).
 */
export function writesOverFolders(
  actions: readonly PlanAction[],
  early: readonly PlanAction[],
): Set<string> {
  const out = new Set<string>();
  const written = new Set<string>();
  for (const a of actions) {
    if (a.kind !== "write") continue;
    written.add(a.path);
    if (a.expected === null) out.add(a.path);
  }
  for (const r of early) for (const p of ancestors(r.path)) if (written.has(p)) out.add(p);
  return out;
}

/** Those of `paths` (in `root`) where a folder stands now ({@link pathsWhere}). */
export function foldersAt(root: string, paths: Iterable<string>): string[] {
  return pathsWhere(root, paths, (e) => e.isDirectory && !e.isSymlink);
}

/**
 * Those of `paths` (in `root`) where something stands that is neither a
 * file, a folder nor a link (a FIFO, a socket, a device; {@link pathsWhere}).
 */
export function specialsAt(root: string, paths: Iterable<string>): string[] {
  return pathsWhere(root, paths, (e) => !e.isFile && !e.isDirectory && !e.isSymlink);
}

/** What {@link pathsWhere} tests: a listing's entry, or a path's `lstat`. */
type EntryKind = Pick<Deno.DirEntry, "isFile" | "isDirectory" | "isSymlink">;

/** Below this many paths in one folder, a look at each costs less than listing the folder. */
const LIST_FROM = 16;

/**
 * Those of `paths` (in their order) whose entry passes `test`: a folder
 * that gets many paths is listed once (a first sync writes thousands of new
 * paths into folders that mostly do not exist yet), one that gets a few has
 * each looked at (listing a folder of 100,000 files for one changed file
 * took 141–222 ms, two looks 0.2 ms: found by a review).
 */
function pathsWhere(
  root: string,
  paths: Iterable<string>,
  test: (e: EntryKind) => boolean,
): string[] {
  const all = [...paths];
  const byParent = new Map<string, string[]>();
  for (const p of all) {
    const parent = parentOf(p);
    const list = byParent.get(parent);
    if (list) list.push(p);
    else byParent.set(parent, [p]);
  }
  const hits = new Set<string>();
  const gone = new Map<string, boolean>();
  for (const [parent, list] of byParent) {
    // A parent that can't be looked at holds nothing: its paths need no look
    // each (a first sync's 1,000 new paths in 100 new folders cost 2,000
    // failed looks a round, one for each of the two callers).
    if (cannotHold(root, parent, gone)) continue;
    if (list.length < LIST_FROM) {
      for (const p of list) {
        try {
          if (test(Deno.lstatSync(join(root, p)))) hits.add(p);
        } catch {
          // nothing there (or a parent that is not a folder): nothing stands there
        }
      }
      continue;
    }
    const wanted = new Set(list);
    try {
      for (const e of Deno.readDirSync(join(root, parent))) {
        const p = parent === "" ? e.name : `${parent}/${e.name}`;
        if (wanted.has(p) && test(e)) hits.add(p);
      }
    } catch {
      continue; // no such folder (or not one): nothing stands there
    }
  }
  return all.filter((p) => hits.has(p));
}

/**
 * True when the folder-relative `dir` can't be looked at (missing, below a
 * file, ...): then nothing can be looked at below it either, which is what
 * each look at a path there would find. `known` keeps the answers of one
 * call, so a folder missing near the root costs one look for all below it.
 */
function cannotHold(root: string, dir: string, known: Map<string, boolean>): boolean {
  if (dir === "") return false;
  let out = known.get(dir);
  if (out !== undefined) return out;
  out = cannotHold(root, parentOf(dir), known);
  if (!out) {
    try {
      Deno.lstatSync(join(root, dir));
    } catch {
      out = true;
    }
  }
  known.set(dir, out);
  return out;
}

/** Only folders below `abs` (none of them a link)? */
function onlyFolders(abs: string): boolean {
  for (const e of Deno.readDirSync(abs)) {
    if (!e.isDirectory || e.isSymlink) return false;
    if (!onlyFolders(join(abs, e.name))) return false;
  }
  return true;
}

function removeFolders(abs: string): void {
  for (const e of Deno.readDirSync(abs)) {
    // Checked again: swapped for a link or a file since onlyFolders(), it stops the removal.
    if (!e.isDirectory || e.isSymlink) {
      throw new Deno.errors.AlreadyExists(`${join(abs, e.name)} appeared in the folder`);
    }
    removeFolders(join(abs, e.name));
  }
  Deno.removeSync(abs);
}

/**
 * Remove the folder at `rel` in `root` when it holds nothing but empty
 * folders: "cleared"; "absent" when no folder is there; "in_use" when it
 * holds anything else (nothing is removed then).
 */
export function clearEmptyFolder(root: string, rel: string): "cleared" | "absent" | "in_use" {
  checkRelativePath(rel);
  const realRoot = Deno.realPathSync(root);
  ensureRealParents(realRoot, parentOf(rel), false);
  const abs = join(realRoot, rel);
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(abs);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    throw e;
  }
  if (!info.isDirectory) return "absent";
  if (!onlyFolders(abs)) return "in_use";
  removeFolders(abs);
  return "cleared";
}
