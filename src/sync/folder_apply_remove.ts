/**
 * @module folder_apply_remove
 * The removals of a folder's plan (folder_apply.ts): each file goes only
 * when the disk still holds what the index saw (a local edit wins and
 * stays), a file that is the source of a conflict copy goes only once the
 * copy is on the disk, as does one whose content a write of the round puts
 * at another path, and folders the removals leave empty go too. Apart
 * because removals run twice in a round: first those in the way of a path
 * that changed kind (folder_apply_prepare.ts), the rest after the writes.
 */

import type { PlanAction } from "../files/folder_plan_types.ts";
import { contentKey } from "../files/version_content.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { removeEmptyParents, removeEntry } from "../files/remove_entry.ts";
import { noteProblem, noteRaced } from "./folder_apply_problems.ts";
import { type ApplySession, expectedOf } from "./folder_apply_session.ts";
import { noteKept } from "./folder_apply_unkeep.ts";

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
    if (a.expected.kind === "file") {
      noteKept(s, a.path, r.status === "removed" ? r.keptAs : undefined, a.expected.version);
    }
    s.record.note({ kind: "gone", path: a.path });
    s.settled.add(a.path);
    s.removedPaths.push(a.path);
    s.report.done++;
  } catch (e) {
    noteProblem(s, a.path, e);
  }
}

/** The content key of a non-empty file version (encoded), or undefined. */
function fileKey(bytes: Uint8Array | null): string | undefined {
  if (bytes === null) return undefined;
  const v = decodeFileVersion(bytes);
  return v.kind === "file" && v.size > 0 ? contentKey(v) : undefined;
}

/**
 * The plan's removals (after its writes), then the folders they left empty.
 * `writes`: every write the plan had, before what this disk can't take was
 * dropped from `actions` (the writes below a file removed late aside: they
 * come after the removals).
 */
export async function removeRest(
  s: ApplySession,
  actions: readonly PlanAction[],
  writes: readonly PlanAction[] = [],
): Promise<void> {
  // A file removed late is the source of a conflict copy: it goes only once
  // the copy is on the disk (a full disk or a race can leave the copy
  // unwritten, and then the file is all there is of that version here).
  const copiesOf = new Map<string, readonly string[]>();
  for (const a of actions) if (a.kind === "merge") copiesOf.set(a.path, a.copies);
  // Likewise a file whose content a write of this round puts at another
  // path (a move made elsewhere; an edit made here carried to where its
  // file moved, moved_carry.ts): it goes only once a path it was to go to
  // holds it. Removed while that write could not be made here (a folder of
  // this device's own in the way, a name this disk can't hold, a fetch left
  // for the next round), it was on neither name here, and a carried edit,
  // made on this device alone, was then nowhere any device could fetch it
  // from: only under .mycel/versions, until pruned. It stays, said as
  // still to come, until the write is made (or the state changes).
  const removing = new Map<string, string>(); // path -> content key
  for (const a of actions) {
    if (a.kind !== "remove" || a.late || a.expected.kind !== "file") continue;
    const key = fileKey(a.expected.version);
    if (key !== undefined) removing.set(a.path, key);
  }
  const goesTo = new Map<string, string[]>(); // content key -> the paths written with it
  if (removing.size > 0) {
    const wanted = new Set(removing.values());
    for (const w of writes) {
      if (w.kind !== "write" || w.version.kind !== "file") continue;
      const key = contentKey(w.version);
      if (!wanted.has(key)) continue;
      const list = goesTo.get(key);
      if (list === undefined) goesTo.set(key, [w.path]);
      else list.push(w.path);
    }
  }
  const landed = (path: string, key: string) =>
    fileKey(s.record.rowAfter(path)?.version ?? null) === key;
  for (const a of actions) {
    if (a.kind !== "remove") continue;
    if (a.late && !(copiesOf.get(a.path) ?? []).every((c) => s.record.rowAfter(c))) continue;
    const key = removing.get(a.path);
    const to = key === undefined ? undefined : goesTo.get(key);
    if (to !== undefined && !to.some((p) => landed(p, key!))) continue;
    await removeOne(s, a);
  }
  // Folders the removals left empty go too (a folder renamed elsewhere),
  // but not one synced as a folder (its row): folder_apply_dirs.ts removes
  // it if its removal came, and otherwise it stays.
  if (s.removedPaths.length > 0) {
    removeEmptyParents(
      s.folder.root,
      s.removedPaths,
      (rel) => s.record.rowAfter(rel)?.kind === "dir",
    );
  }
}
