/**
 * @module folder_apply_moves
 * Files renamed or moved on another device (a folder renamed, a photo
 * moved into an album) are renamed here too (move_file.ts), before anything
 * is fetched: the plan's write of the new path and removal of the old one,
 * with the same content and exec bit, become one rename. Before, the new
 * path was copied from the old file's chunks and the old file then moved
 * under `.mycel/versions/`: a 460 MiB folder renamed took 4–7 s and 460 MiB
 * more on every other device for the 30 days versions are kept, and on a
 * disk without room for the copy the write failed while the removal went
 * on — the file was at neither name. Syncthing renames such files too.
 */

import type { FolderPlan, PlanAction } from "../files/folder_plan_types.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import { moveFile } from "../files/move_file.ts";
import { contentKey } from "../files/version_content.ts";
import type { FileVersion } from "../log/file_version.ts";
import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import { type ApplySession, chunksOfRow, expectedOf } from "./folder_apply_session.ts";

type Remove = Extract<PlanAction, { kind: "remove" }>;

/** What a rename keeps: the content and the exec bit (the time is set to the version's). */
const moveKey = (v: FileVersion): string | undefined =>
  v.kind === "file" && v.size > 0 ? `${v.exec ? "x" : "-"}${contentKey(v)}` : undefined;

/**
 * Rename, in `plan`, each new file whose content a removed file holds; both
 * actions are added to `skip` once done. One not done (the old file changed
 * here, the new name taken) is left to the plan as it was.
 */
export async function renameMoves(
  s: ApplySession,
  plan: FolderPlan,
  skip: Set<PlanAction>,
): Promise<void> {
  const removes = new Map<string, Remove[]>();
  for (const a of plan.actions) {
    // A late removal is the source of a conflict copy: it must stay until that is made.
    if (a.kind !== "remove" || a.late || skip.has(a) || a.expected.kind !== "file") continue;
    const version = a.expected.version;
    const key = version === null ? undefined : moveKey(decodeFileVersion(version));
    if (key === undefined) continue;
    const list = removes.get(key);
    if (list === undefined) removes.set(key, [a]);
    else list.push(a);
  }
  if (removes.size === 0) return;
  let moved = 0;
  for (const a of plan.actions) {
    if (a.kind !== "write" || skip.has(a) || a.copy || a.expected !== null) continue;
    const key = moveKey(a.version);
    const from = key === undefined ? undefined : removes.get(key)?.shift();
    if (from === undefined) continue;
    const v = a.version as Extract<FileVersion, { kind: "file" }>;
    try {
      const at = await moveFile(
        s.folder.root,
        from.path,
        a.path,
        // With its row's ctime and racy flag: a file the index can't vouch for is read again.
        { ...expectedOf(from.expected)!, ctimeMs: from.expected.ctimeMs, racy: from.expected.racy },
        v.mtime,
        s.home.now(),
      );
      if (at?.kind !== "file") continue;
      const { kind: _, ...stat } = at;
      // Where its chunks lie moves with it (to serve and reuse them).
      const chunks = await resolveChunkList(v.chunks, v.size, (h) => s.home.folderLocal.blob(h))
        .catch(() => chunksOfRow(v));
      s.record.note({ kind: "gone", path: from.path });
      s.record.note({
        kind: "row",
        row: { path: a.path, kind: "file", ...stat, version: encodeFileVersion(v) },
        chunks,
        dropTransfer: true,
      });
      for (const done of [from, a]) {
        s.settled.add(done.path);
        skip.add(done);
        s.report.done++;
      }
      s.removedPaths.push(from.path); // its folder, left empty, goes with the other removals'
      moved++;
    } catch {
      // A link on the way, a name this disk refuses: the write and the
      // removal run as planned, and say what is wrong.
    }
  }
  // The chunks' new places are recorded before a write of this round reads them.
  if (moved > 0) await s.record.flush();
}
