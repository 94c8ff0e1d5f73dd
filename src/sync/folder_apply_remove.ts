/**
 * @module folder_apply_remove
 * The removals of a folder's plan (folder_apply.ts): each file goes only
 * when the disk still holds what the index saw (a local edit wins and
 * stays), a file that is the source of a conflict copy goes only once the
 * copy is on the disk, and folders the removals leave empty go too. Apart
 * because removals run twice in a round: first those in the way of a path
 * that changed kind (folder_apply_prepare.ts), the rest after the writes.
 */

import type { PlanAction } from "../files/folder_plan_types.ts";
import { removeEmptyParents, removeEntry } from "../files/remove_entry.ts";
import { noteProblem, noteRaced } from "./folder_apply_problems.ts";
import { type ApplySession, expectedOf } from "./folder_apply_session.ts";

/** Remove one path, unless it changed on this device since the index saw it. */
export async function removeOne(
  s: ApplySession,
  a: PlanAction & { kind: "remove" },
): Promise<void> {
  try {
    const r = await removeEntry(s.folder.root, a.path, { expected: expectedOf(a.expected) });
    if (r.status === "changed_locally") {
      noteRaced(s, a.path, undefined, "kept, not deleted; the edit wins");
      return;
    }
    s.record.note({ kind: "gone", path: a.path });
    s.settled.add(a.path);
    s.removedPaths.push(a.path);
    s.report.done++;
  } catch (e) {
    noteProblem(s, a.path, e);
  }
}

/** The plan's removals (after its writes), then the folders they left empty. */
export async function removeRest(s: ApplySession, actions: readonly PlanAction[]): Promise<void> {
  // A file removed late is the source of a conflict copy: it goes only once
  // the copy is on the disk (a full disk or a race can leave the copy
  // unwritten, and then the file is all there is of that version here).
  const copiesOf = new Map<string, readonly string[]>();
  for (const a of actions) if (a.kind === "merge") copiesOf.set(a.path, a.copies);
  for (const a of actions) {
    if (a.kind !== "remove") continue;
    if (a.late && !(copiesOf.get(a.path) ?? []).every((c) => s.record.rowAfter(c))) continue;
    await removeOne(s, a);
  }
  // Folders the removals left empty go too (a folder renamed elsewhere).
  if (s.removedPaths.length > 0) removeEmptyParents(s.folder.root, s.removedPaths);
}
