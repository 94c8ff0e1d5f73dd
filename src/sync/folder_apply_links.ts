/**
 * @module folder_apply_links
 * The actions of a folder's plan that need no content (folder_apply.ts):
 * symbolic links written from their target, and adoptions — a path whose
 * disk already holds a version's content takes that version (only its time
 * can differ). Apart from the files because nothing here is fetched.
 */

import { join } from "node:path";
import { takeMtime } from "../files/disk_state.ts";
import { encodeFileVersion } from "../log/file_version_codec.ts";
import type { PlanAction } from "../files/folder_plan_types.ts";
import { writeSymlink } from "../files/write_symlink.ts";
import { noteProblem, noteRaced } from "./folder_apply_problems.ts";
import { type ApplySession, asCopy, chunksOfRow, expectedOf } from "./folder_apply_session.ts";

/** 3. Links and adoptions (removals follow, folder_apply_remove.ts). */
export async function applyLinksAndAdoptions(
  s: ApplySession,
  actions: readonly PlanAction[],
): Promise<void> {
  const root = s.folder.root;
  for (const a of actions) {
    try {
      if (a.kind === "write" && a.version.kind === "symlink") {
        const r = await writeSymlink(root, a.path, a.version.target, {
          expected: expectedOf(a.expected),
        });
        if (r.status === "changed_locally") {
          noteRaced(s, a.path, r.keptAs, "kept; it will sync as a conflict");
          continue;
        }
        const published = a.copy ? asCopy(a.version, s.self) : undefined;
        s.record.note({
          kind: "row",
          row: {
            path: a.path,
            kind: "symlink",
            ...r.stat,
            exec: false,
            version: encodeFileVersion(published ?? a.version),
          },
          publish: published,
        });
        s.settled.add(a.path);
        s.report.done++;
        if (a.copy) (s.report.copiesMade ??= []).push(a.path);
      } else if (a.kind === "adopt") {
        // Same contents: only the time can differ (a touch elsewhere).
        if (
          a.version.kind === "file" && await takeMtime(join(root, a.path), a.row, a.version.mtime)
        ) {
          s.report.timesOnly++;
        }
        s.record.note({
          kind: "row",
          row: { ...a.row, version: encodeFileVersion(a.version) },
          chunks: chunksOfRow(a.version),
        });
        s.settled.add(a.path);
        s.report.done++;
      }
    } catch (e) {
      noteProblem(s, a.path, e);
    }
  }
}
