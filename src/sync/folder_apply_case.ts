/**
 * @module folder_apply_case
 * Applying a folder where the file system ignores case (folder_apply.ts):
 * a file renamed only in case takes its new spelling in place
 * (case_rename.ts) instead of being fetched again and its old spelling
 * removed, and a new path the disk already holds under another spelling is
 * refused with a reason, never written over its twin. Apart because on a
 * file system that tells case apart none of this runs.
 */

import { casePairs, renameCase } from "../files/case_rename.ts";
import { sameContent } from "../files/version_content.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import type { FolderPlan, PlanAction } from "../files/folder_plan_types.ts";
import { CaseNames } from "../files/fs_names.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import { foldPath } from "../files/path_portability.ts";
import { noteProblem } from "./folder_apply_problems.ts";
import { type ApplySession, chunksOfRow, expectedOf } from "./folder_apply_session.ts";
import { quotedText } from "../text_safety.ts";

/**
 * 0. Case-only renames where the file system ignores case (case_rename.ts):
 * the file takes its new spelling first, and its removal is done with it.
 * Actions done (or replaced) are added to `skip`.
 */
export async function renameCases(
  s: ApplySession,
  plan: FolderPlan,
  skip: Set<PlanAction>,
): Promise<void> {
  for (const { write, remove } of casePairs(plan.actions)) {
    try {
      const at = await renameCase(
        s.folder.root,
        remove.path,
        write.path,
        expectedOf(remove.expected),
        s.home.now(),
      );
      if (at === undefined || at.kind !== "file") continue;
      const { kind: _, ...stat } = at;
      s.record.note({ kind: "gone", path: remove.path });
      s.settled.add(remove.path);
      skip.add(remove);
      s.report.done++;
      const held = remove.expected.version ? decodeFileVersion(remove.expected.version) : undefined;
      const row = { path: write.path, kind: "file" as const, ...stat };
      if (
        held?.kind === "file" && write.version.kind === "file" &&
        sameContent(held, write.version) &&
        held.exec === write.version.exec
      ) {
        // Where its chunks lie moves with it (to serve and reuse them).
        const v = write.version;
        const chunks = await resolveChunkList(v.chunks, v.size, (h) => s.home.folderLocal.blob(h))
          .catch(() => chunksOfRow(v));
        s.record.note({ kind: "row", row: { ...row, version: encodeFileVersion(v) }, chunks });
        s.settled.add(write.path);
        skip.add(write);
        s.report.done++;
      } else {
        // Renamed and changed: the write replaces what now holds the new spelling,
        // and until it does, the index says what that is (the old version).
        const moved = { ...row, version: remove.expected.version };
        s.record.note({ kind: "row", row: moved });
        plan.actions[plan.actions.indexOf(write)] = { ...write, expected: moved };
      }
    } catch (e) {
      noteProblem(s, write.path, e);
    }
  }
}

/**
 * New paths a file system that ignores case already holds under another
 * spelling (Notes/ for notes/y.txt, Report.txt for report.txt): reported, not
 * written (added to `skip`). Returns the refused paths, case-folded.
 */
export function refuseCaseClashes(
  s: ApplySession,
  plan: FolderPlan,
  skip: Set<PlanAction>,
): Set<string> {
  const fresh = plan.actions.filter((a) => a.kind === "write" && a.expected === null);
  const caseNames = fresh.length > 0 && s.fsTraits()?.ignoresCase === true
    ? new CaseNames(s.folder.root)
    : undefined;
  const refused = new Set<string>();
  for (const a of caseNames === undefined ? [] : fresh) {
    const clash = caseNames!.clash(a.path);
    if (clash === undefined) {
      caseNames!.add(a.path);
      continue;
    }
    s.report.problems.push({
      path: a.path,
      reason: `${quotedText(clash.segment)} differs only in case from ${
        quotedText(clash.twin)
      }, and this folder's file system ignores case`,
    });
    skip.add(a);
    s.stillToCome(a);
    refused.add(foldPath(a.path));
  }
  return refused;
}
