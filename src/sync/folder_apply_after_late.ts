/**
 * @module folder_apply_after_late
 * The writes below a file removed late, once it is: a file edited here while
 * another device turned its name into a folder is the source of the conflict
 * copy this round writes, so it goes only after the copy is on the disk
 * (folder_apply_remove.ts), and the folder's files below its name can't be
 * written before (kind_change.ts). They used to wait for the next round,
 * which then exited 3 saying "1 file still to come" though every peer was
 * reached and nothing was left to fetch elsewhere (issue 13: seen once by a
 * walkthrough, and every time the device that made the edit syncs first).
 * Now, once the removals are done, they are written in the same round:
 * their chunk lists, their files (local chunks, then peers) and links, as in
 * the round's first pass. Those whose file could not go (its copy not
 * written: a full disk, a race) still wait, counted as still to come.
 */

import { ancestors } from "../files/paths.ts";
import type { FolderPlan, PlanAction } from "../files/folder_plan_types.ts";
import { applyFiles } from "./folder_apply_files.ts";
import { applyLinksAndAdoptions } from "./folder_apply_links.ts";
import { type ChunkLists, chunkLists } from "./folder_apply_lists.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import type { Task } from "./folder_apply_task.ts";
import type { FileWrite } from "./folder_apply_types.ts";

/**
 * Write `waiting` (preparePlan()'s writes below a late removal) whose late
 * removals are done; they join `plan.actions`, so what is not written is
 * counted at the end like any action of the plan. Returns the files taken
 * on and their chunk lists.
 */
export async function writeAfterLate(
  s: ApplySession,
  waiting: readonly PlanAction[],
  plan: FolderPlan,
): Promise<{ tasks: Task[] } & ChunkLists> {
  for (const a of waiting) plan.actions.push(a);
  const late = new Set(
    plan.actions.filter((a) => a.kind === "remove" && a.late === true).map((a) => a.path),
  );
  const ready = waiting.filter((a) =>
    ancestors(a.path).every((p) => !late.has(p) || s.settled.has(p))
  );
  if (ready.length === 0 || s.halted) return { tasks: [], lists: new Map(), blobOf: new Map() };
  const fileWrites = ready.filter((a): a is FileWrite =>
    a.kind === "write" && a.version.kind === "file"
  );
  const { lists, blobOf } = await chunkLists(s, fileWrites);
  const tasks = await applyFiles(s, fileWrites, lists, 0);
  if (!s.halted) await applyLinksAndAdoptions(s, ready);
  return { tasks, lists, blobOf };
}
