/**
 * @module folder_apply_merge
 * The merges of a folder's plan (folder_apply.ts): a conflict is resolved
 * here only once the disk holds the winner and every conflict copy exists;
 * then one version, above every version in conflict, is recorded and
 * published. Apart because it is the one step that publishes a version of
 * this device's own making from what the others did.
 */

import { sameContent } from "../files/version_content.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { PlanAction } from "../files/folder_plan_types.ts";
import { builtVvProblem, bumpVv, mergeVv, type VersionVector } from "../log/version_vector.ts";
import type { ApplySession } from "./folder_apply_session.ts";

/** 4. Merges: the disk holds the winner and every copy exists. */
export function recordMerges(s: ApplySession, actions: readonly PlanAction[]): void {
  const rec = s.record;
  for (const a of actions) {
    if (a.kind !== "merge") continue;
    const row = rec.rowAfter(a.path);
    const held = row?.version ? decodeFileVersion(row.version) : undefined;
    const holdsWinner = a.winner.kind === "deleted"
      ? row === null || row === undefined
      : held !== undefined && sameContent(held, a.winner);
    const copiesOk = a.copies.every((p) => rec.rowAfter(p));
    if (!holdsWinner || !copiesOk) continue;
    let vv: VersionVector = new Map();
    for (const v of a.set) vv = mergeVv(vv, v.vv);
    vv = bumpVv(vv, s.self.id);
    const tooWide = builtVvProblem(vv);
    if (tooWide !== undefined) {
      // The conflict stays (the disk holds the winner, the copies exist);
      // the rest of the round goes on.
      s.report.problems.push({ path: a.path, reason: `its conflict can't end here: ${tooWide}` });
      continue;
    }
    const merged = { ...a.winner, modifiedBy: s.self.id, vv } as FileVersion;
    if (row) rec.note({ kind: "row", row: { ...row, version: encodeFileVersion(merged) } });
    rec.note({ kind: "publish", version: merged });
    s.report.conflicts--;
  }
}
