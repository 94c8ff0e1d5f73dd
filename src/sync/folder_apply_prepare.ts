/**
 * @module folder_apply_prepare
 * Before anything is fetched for a folder's plan (folder_apply.ts): the
 * actions this disk cannot take are reported and dropped — names that clash
 * in case (folder_apply_case.ts), paths too long here, files whose deletion
 * is held here, writes over a folder that is not empty — and what stands in
 * the way of a path that changed kind (kind_change.ts) is removed first;
 * files renamed elsewhere are renamed here (folder_apply_moves.ts). Apart
 * because it decides what the rest of the round does, and none of it
 * fetches.
 */

import { join } from "node:path";
import { specialKind } from "../files/disk_state.ts";
import type { FolderPlan, PlanAction } from "../files/folder_plan_types.ts";
import {
  clearEmptyFolder,
  foldersAt,
  removalsInTheWay,
  specialsAt,
  writesAfterLate,
  writesOverFolders,
} from "../files/kind_change.ts";
import { foldPath } from "../files/path_portability.ts";
import { pathTooLongHere } from "../files/write_problem.ts";
import { refuseCaseClashes, renameCases } from "./folder_apply_case.ts";
import { renameMoves } from "./folder_apply_moves.ts";
import { removeOne } from "./folder_apply_remove.ts";
import { deletionHeld, noteHeld, noteProblem } from "./folder_apply_problems.ts";
import type { ApplySession } from "./folder_apply_session.ts";

/**
 * Leave in `plan.actions` only what the rest of the round is to do; returns
 * the removals already done (or tried) because they were in the way, and the
 * writes below a file removed late, set aside for after the removals
 * (folder_apply_after_late.ts).
 */
export async function preparePlan(
  s: ApplySession,
  plan: FolderPlan,
): Promise<{ early: (PlanAction & { kind: "remove" })[]; afterLate: PlanAction[] }> {
  const root = s.folder.root;
  const skip = new Set<PlanAction>();
  await renameCases(s, plan, skip);
  const refused = refuseCaseClashes(s, plan, skip);
  // Paths too long under where the folder lies here: nothing is fetched for them.
  for (const a of plan.actions) {
    if (a.kind !== "write" || skip.has(a)) continue;
    const tooLong = pathTooLongHere(root, a.path);
    if (tooLong === undefined) continue;
    s.report.problems.push({ path: a.path, reason: tooLong });
    skip.add(a);
    s.stillToCome(a);
  }
  // A file whose deletion is held here (a mass deletion waiting for `folder
  // scan --yes`) that another device changed: nothing is fetched for it.
  // Fetched, its write found the name empty, took that for a local change and
  // threw the content away — every round, until --yes. Nothing is lost by not
  // fetching: this device never kept that content, and the version stays in
  // the folder state and on the devices that hold it; once --yes sends the
  // deletion (the newer version wins and comes) or the file is put back (a
  // local version like any other), a round fetches it as it does any file.
  for (const a of s.folder.info.held === undefined ? [] : plan.actions) {
    if (a.kind !== "write" || a.expected === null || skip.has(a)) continue;
    if (!deletionHeld(s, a.path)) continue;
    noteHeld(s, a.path);
    skip.add(a);
    s.stillToCome(a);
  }
  // A special file (FIFO, socket, device) this device's user put at the
  // name: never replaced, so nothing is fetched for it until it is moved
  // away. Fetched, the write took it for a local edit and threw the content
  // away, every round, saying the edit "will sync as a conflict" — a special
  // file never syncs (tests/folders/special_in_way_test.ts). Found by one
  // listing per parent folder, not a look per path (a first sync writes
  // thousands of new paths: 13 µs a look at a missing one).
  const writes = new Map<string, PlanAction>();
  for (const a of plan.actions) if (a.kind === "write" && !skip.has(a)) writes.set(a.path, a);
  for (const path of specialsAt(root, writes.keys())) {
    const special = specialAt(join(root, path));
    if (special === undefined) continue;
    s.report.problems.push({
      path,
      reason: `a special file (${special}) is in the way here, which mycel never replaces: ` +
        "the file arrives once it is moved away",
    });
    const a = writes.get(path)!;
    skip.add(a);
    s.stillToCome(a);
  }
  // A folder renamed only in case (Notes/ → notes/): its files' new spellings
  // were refused above, and here they are the same files as the old ones —
  // removing those would delete them. They stay where they are.
  for (const a of refused.size === 0 ? [] : plan.actions) {
    if (a.kind === "remove" && refused.has(foldPath(a.path))) skip.add(a);
  }
  // A path that changed kind (kind_change.ts): the removals in the way go
  // first, and a folder they leave empty gives its name to the file.
  const early = removalsInTheWay(plan.actions.filter((a) => !skip.has(a)));
  for (const a of early) {
    skip.add(a);
    await removeOne(s, a);
    if (s.settled.has(a.path)) s.doneFiles++; // in the progress of the file phase
    else s.stillToCome(a); // kept (a local edit) or failed
  }
  const afterLate = writesAfterLate(plan.actions.filter((a) => !skip.has(a)));
  for (const a of afterLate) skip.add(a);
  const left = plan.actions.filter((a) => !skip.has(a));
  for (const path of foldersAt(root, writesOverFolders(left, early))) {
    try {
      if (clearEmptyFolder(root, path) !== "in_use") continue;
      const a = left.find((w) => w.kind === "write" && w.path === path)!;
      s.report.problems.push({
        path,
        reason: "a folder is in the way here and it is not empty (files that are not synced, " +
          "or not removed yet): the file arrives once it is",
      });
      skip.add(a);
      s.stillToCome(a);
    } catch (e) {
      noteProblem(s, path, e);
    }
  }
  // Files renamed elsewhere: renamed here, not copied then removed (folder_apply_moves.ts).
  await renameMoves(s, plan, skip);
  if (skip.size > 0) {
    // In place, without spreading (a spread of 125k actions overflows the call stack).
    let kept = 0;
    for (const a of plan.actions) if (!skip.has(a)) plan.actions[kept++] = a;
    plan.actions.length = kept;
  }
  return { early, afterLate };
}

/** The kind of the special file at `abs` (not followed), or undefined for anything else or nothing. */
function specialAt(abs: string): string | undefined {
  try {
    const info = Deno.lstatSync(abs);
    return info.isFile || info.isDirectory || info.isSymlink ? undefined : specialKind(info);
  } catch {
    return undefined; // nothing there, or a parent that is not a folder: the write says
  }
}
