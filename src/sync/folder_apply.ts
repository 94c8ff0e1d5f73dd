/**
 * @module folder_apply
 * Make this device's copy of a folder show the folder state: run the plan
 * (src/files/folder_plan.ts) — conflict copies, fetched files, links,
 * adoptions, removals, merges — then record what the disk now holds and
 * publish the versions the plan makes (copies, merges).
 *
 * - File content comes first from chunks this device already has in any
 *   indexed file (a rename or copy elsewhere fetches nothing), then from
 *   peers (file_fetch.ts), each chunk checked against its id. Chunks are
 *   written at their offsets into a temporary file beside the target
 *   (partial_file.ts); a file with several chunks records which are in
 *   (after an fsync) so a later round, or the next process after a crash,
 *   resumes it. The file is renamed into place only when complete.
 * - A file that changed on disk since the index saw it is left alone
 *   (`changed_locally`): the next scan publishes the local edit, which is
 *   then a conflict, never lost.
 * - Index rows, chunk places and published versions are written in batches
 *   of short transactions, never held across the network.
 *
 * This file runs the phases in order and counts what is left; each phase is
 * a folder_apply_*.ts of its own, a function of the session they share
 * (folder_apply_session.ts, which notes what they do in
 * folder_apply_record.ts; what they could not write is told by
 * folder_apply_problems.ts): prepare (case renames, refusals, what is in the
 * way), lists (chunk lists), files (local chunks, then fetch; writing in
 * folder_apply_write.ts, with folder_apply_temps.ts and
 * folder_apply_finish.ts), links (and adoptions), remove, merge.
 */

import { sameContent } from "../files/version_content.ts";
import { cannotWrite } from "../files/disk_full.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { planFolder } from "../files/folder_plan.ts";
import { keepOpen, movedWhileEdited } from "../files/moved_edited.ts";
import { carryEdits } from "./folder_apply_carry.ts";
import type { FolderPlan } from "../files/folder_plan_types.ts";
import { versionId } from "../log/folder_state.ts";
import { frontierOf } from "./folder_progress.ts";
import type { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { applyDirs, noteFolders } from "./folder_apply_dirs.ts";
import { applyFiles } from "./folder_apply_files.ts";
import { writeAfterLate } from "./folder_apply_after_late.ts";
import { applyLinksAndAdoptions } from "./folder_apply_links.ts";
import { chunkLists } from "./folder_apply_lists.ts";
import { recordMerges } from "./folder_apply_merge.ts";
import { execInPlace } from "./folder_apply_mode.ts";
import { preparePlan } from "./folder_apply_prepare.ts";
import { removeRest } from "./folder_apply_remove.ts";
import { dropKeptStillHere } from "./folder_apply_unkeep.ts";
import { ApplySession } from "./folder_apply_session.ts";
import type { ApplyOptions, ApplyReport, FileWrite } from "./folder_apply_types.ts";
import { leftAloneHere, withoutIgnored } from "./left_alone.ts";

export type { ApplyOptions, ApplyReport } from "./folder_apply_types.ts";

/** Apply the folder state to `folder` (see the module comment). */
export async function applyFolder(
  home: Home,
  folder: LocalFolder,
  o: ApplyOptions,
): Promise<ApplyReport> {
  const id = folder.folder;
  const index = home.folderLocal.index(id);
  const ignored = await leftAloneHere(home, folder);
  const paths = () => home.view.folders().paths(id);
  // Before the state is read: no later than what the plan sees (interim records).
  const frontier = frontierOf(home, id);
  // Paths where a folder may be (folder_apply_dirs.ts), noted as the plan reads them.
  const folders = new Map<string, readonly { id: string; bytes: Uint8Array }[]>();
  const planNow = () => {
    folders.clear();
    const planned: FolderPlan = planFolder(
      noteFolders(withoutIgnored(paths(), ignored), index.rows, folders),
      // Folder rows are applyDirs' (folder_apply_dirs.ts): nothing at the path to the plan.
      new Map([...index.rows].filter(([p, r]) => r.kind !== "dir" && !ignored(p))),
      versionId,
    );
    // Only a conflict can be a file moved while edited; where it moved to is
    // looked for over the whole state, ignored paths too, so every device
    // leaves the same conflicts open (and reads the folder again only then).
    // One this plan gives up as a folder's name is not held: its merge, the
    // path deleted, ends it (plan_blocked.ts). As this plan sees it: a device
    // that ignores the paths below holds it until another's deletion comes.
    const asFolder = new Set<string>();
    for (const a of planned.actions) {
      if (a.kind === "merge" && a.winner.kind === "deleted") asFolder.add(a.path);
    }
    const moved = planned.conflicts.length === 0
      ? []
      : movedWhileEdited(paths, new Set(planned.conflicts), asFolder);
    return { planned, moved };
  };
  let { planned, moved } = planNow();
  // The edits this device can carry to where their file moved are published
  // first (folder_apply_carry.ts), and the plan made again: this round writes
  // them there and removes the old paths.
  const carry = await carryEdits(home, id, moved, index.rows, ignored);
  if (carry.carried.length > 0) ({ planned, moved } = planNow());
  const plan = keepOpen(planned, new Set(moved.map((m) => m.path)));
  const s = new ApplySession(home, folder, o, index.rows, plan.conflicts.length);
  s.frontier = frontier;
  const { report, record } = s;
  report.moved = moved;
  report.carried = carry.carried;
  report.carryWaiting = carry.waiting;
  report.problems.push(...carry.problems);

  // A folder on a read-only mount: said once, and nothing is fetched — every
  // round would fetch every file and fail to write it.
  const changes = plan.actions.filter((a) => a.kind === "write" || a.kind === "remove");
  const blocked = changes.length > 0 ? cannotWrite(folder.root) : undefined;
  if (blocked !== undefined) {
    report.problems.push({ path: ".", reason: `${blocked} (${folder.root})` });
    for (const a of changes) s.stillToCome(a);
    return report;
  }

  // 0. Case renames, then what this disk cannot take or what is in the way
  // (folder_apply_prepare.ts): plan.actions keeps what is left to do.
  // Every write, before what this disk can't take is dropped: a removal
  // whose content one of them was to place elsewhere waits for it (removeRest).
  const allWrites = plan.actions.filter((a) => a.kind === "write");
  const { early, afterLate } = await preparePlan(s, plan);
  // Only the exec bit differs from what the disk holds: changed in place (folder_apply_mode.ts).
  await execInPlace(s, plan);
  // 1. Chunk lists of the files to write (folder_apply_lists.ts).
  const writes = plan.actions.filter((a) => a.kind === "write");
  const fileWrites = writes.filter((a): a is FileWrite => a.version.kind === "file");
  const { lists, blobOf } = await chunkLists(s, fileWrites);
  // 2. Files: local chunks first, then kept copies, then peers (folder_apply_files.ts).
  // What the round does after the file phase (links, adoptions, removals, the
  // writes that wait for a removal): still to do while it runs (interim records).
  const after = { files: afterLate.length, bytes: 0 };
  for (const a of plan.actions) {
    if (a.kind === "merge" || s.settled.has(a.path)) continue;
    if (a.kind !== "write" || a.version.kind !== "file") after.files++;
  }
  for (const a of afterLate) {
    if (a.kind === "write" && a.version.kind === "file") after.bytes += a.version.size;
  }
  const tasks = await applyFiles(s, fileWrites, lists, early.length, after);
  // A folder that stopped meanwhile (its marker went) is left as it is: what
  // was done is recorded, the rest waits until it is back (folder_round.ts);
  // so does a round interrupted by Ctrl-C, until the next round.
  if (s.stopped !== undefined || s.interrupted) {
    await record.flush();
    if (s.stopped === undefined) report.interrupted = true;
    return report;
  }
  // 3. Links, adoptions, removals.
  await applyLinksAndAdoptions(s, plan.actions);
  const waiting = new Set(afterLate);
  await removeRest(s, plan.actions, allWrites.filter((a) => !waiting.has(a)));
  // Folders: made, or removed when empty (folder_apply_dirs.ts).
  if (s.stopped === undefined) {
    // Left out: a path ignored as a folder here (`build/` matches no file's path).
    const here = new Map([...folders].filter(([p]) => !ignored.asFolder(p)));
    applyDirs(s, here, () => withoutIgnored(paths(), ignored), index.rows);
  }
  // 4. Merges: the disk holds the winner and every copy exists.
  recordMerges(s, plan.actions);
  // 5. What waited for a file removed late (folder_apply_after_late.ts): its name is free now.
  if (afterLate.length > 0) {
    const more = await writeAfterLate(s, afterLate, plan);
    tasks.push(...more.tasks);
    for (const [path, list] of more.lists) lists.set(path, list);
    for (const [path, blob] of more.blobOf) blobOf.set(path, blob);
    if (s.stopped !== undefined || s.interrupted) {
      await record.flush();
      if (s.stopped === undefined) report.interrupted = true;
      return report;
    }
  }
  await record.flush();
  // Kept versions whose content the folder still holds (a swap made elsewhere) go again.
  await dropKeptStillHere(s);
  // What is still to do: actions whose path does not hold their version yet
  // (unfinished fetches were counted above with the bytes they still lack).
  // Only paths this round did not settle are decoded: decoding all 5,000 of a
  // first sync's versions at the end was a burst of garbage that grew V8's
  // heap by ~25 MiB, the process's peak RSS.
  const unfinished = new Set(tasks.filter((t) => !t.finished).map((t) => t.path));
  for (const a of plan.actions) {
    if (a.kind === "merge" || unfinished.has(a.path) || s.settled.has(a.path)) continue;
    const now = record.rowAfter(a.path);
    const held = now?.version ? decodeFileVersion(now.version) : undefined;
    const ok = a.kind === "remove" ? !now : held !== undefined && sameContent(held, a.version);
    if (ok) continue;
    s.stillToCome(a);
    const blob = blobOf.get(a.path);
    if (blob === undefined || a.kind !== "write" || a.version.kind !== "file") continue;
    if (lists.has(a.path)) continue; // its list came later: it waits for its chunks
    const gone = s.nobody?.unfetchable(a.version, [blob]);
    if (gone !== undefined) report.unfetchable.push(gone);
  }
  return report;
}
