/**
 * @module folder_apply_mode
 * Before anything is fetched for a folder's plan (folder_apply.ts): a write
 * whose new version holds the content the disk holds already, with only
 * another exec bit (and maybe mtime) — a `chmod +x` elsewhere — changes the
 * file in place (src/files/take_mode.ts) and takes the version, as an
 * adoption does: same inode, nothing written, nothing kept. Before, the
 * file was written anew from its own chunks and the one it replaced kept
 * under `.mycel/versions`: three chmods of a 2-byte file left three
 * identical kept copies (a three-device walkthrough, issue 13). A file that
 * can't be changed in place stays a write: another user's file, still as
 * the scan saw it, is replaced without keeping it (the same bytes); one
 * changed since the scan is replaced as any write replaces, kept.
 */

import { join } from "node:path";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { FolderPlan, PlanAction, PlanIndexRow } from "../files/folder_plan_types.ts";
import { takeExec } from "../files/take_mode.ts";
import { sameContent } from "../files/version_content.ts";
import { type ApplySession, chunksOfRow } from "./folder_apply_session.ts";

/** True when the version `expected` names holds the content of `version` (exec bit and mtime aside). */
function sameAsHeld(expected: PlanIndexRow | null, version: FileVersion): boolean {
  if (expected?.version == null || version.kind !== "file") return false;
  try {
    const held = decodeFileVersion(expected.version);
    return held.kind === "file" && sameContent(held, version);
  } catch {
    return false;
  }
}

/** Make the plan's exec-bit-only writes in place; they leave `plan.actions`. */
export async function execInPlace(s: ApplySession, plan: FolderPlan): Promise<void> {
  const done = new Set<PlanAction>();
  for (const a of plan.actions) {
    if (a.kind !== "write" || a.copy || a.expected === null) continue;
    if (a.expected.kind !== "file" || !sameAsHeld(a.expected, a.version)) continue;
    if (s.halted) break;
    try {
      const modes = s.fsTraits()?.modes ?? true;
      const r = await takeExec(
        join(s.folder.root, a.path),
        a.expected,
        a.version.kind === "file" && a.version.exec,
        a.version.mtime,
        modes,
      );
      // Not this user's to chmod, but as the scan saw it: written, and the
      // file it replaces (the same bytes) not kept. Changed since: written
      // the usual way, what it replaces kept.
      if (r === "refused") s.sameBytes.add(a.path);
      if (r !== "done") continue;
      s.record.note({
        kind: "row",
        row: { ...a.expected, version: encodeFileVersion(a.version) },
        chunks: chunksOfRow(a.version),
      });
      s.settled.add(a.path);
      s.report.done++;
      done.add(a);
    } catch {
      // Left a write: it meets the same problem and says it.
    }
  }
  if (done.size === 0) return;
  // In place, as preparePlan() does (a spread of many actions overflows the stack).
  let kept = 0;
  for (const a of plan.actions) if (!done.has(a)) plan.actions[kept++] = a;
  plan.actions.length = kept;
}
