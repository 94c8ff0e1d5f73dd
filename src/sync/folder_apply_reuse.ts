/**
 * @module folder_apply_reuse
 * Which kept transfer (a `.mycel-tmp-*` file beside its target and the
 * chunks it holds, `transfers` in the home) each write of a folder's round
 * continues. A write resumes its own path's transfer of the same version (a
 * round cut short, a kill). Otherwise it takes over a transfer in the same
 * folder whose version the state still holds and whose content (size and
 * chunk ids) is the write's: above all a file fetched whole whose target was
 * saved here meanwhile (folder_apply_finish.ts keeps it), which the next
 * round's conflict puts at the path or at its conflict copy's name — before,
 * that round fetched it all again. A transfer no write takes whose version
 * the state no longer holds at its path (a newer version, a merge, ended
 * it) can never be resumed: its row is dropped, and the hourly sweep of
 * temporary files deletes its file (stale_temps.ts), so what is kept stays
 * bounded: one file a path, while its version is one of the path's.
 * Apart because the list phase (what needs room on the disk) and the file
 * phase (what to resume) must read the same answer.
 */

import { decodeFileVersion, encodeFileVersion } from "../log/file_version_codec.ts";
import { parentOf } from "../files/paths.ts";
import { contentKey } from "../files/version_content.ts";
import { versionId } from "../log/folder_state.ts";
import type { TransferRow } from "../storage/sql_folder_local.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import type { FileWrite } from "./folder_apply_types.ts";

/** What this round does with the folder's kept transfers. */
export interface Reuse {
  /** The transfer each write (by its path) continues. */
  readonly of: ReadonlyMap<string, TransferRow>;
  /** Transfers no write takes and whose version is gone: dropped. */
  readonly stale: readonly TransferRow[];
}

/** The id a write's transfer is recorded under ("" in the plan for a conflict copy). */
export function writeId(a: FileWrite): string {
  return a.id || versionId(encodeFileVersion(a.version));
}

/** The round's {@link Reuse}, worked out once from every file it writes. */
export function reuseOf(s: ApplySession, writes: readonly FileWrite[]): Reuse {
  return s.reuse ??= work(s, writes);
}

function work(s: ApplySession, writes: readonly FileWrite[]): Reuse {
  const rows = s.home.folderLocal.transfers(s.id);
  const of = new Map<string, TransferRow>();
  if (rows.length === 0) return { of, stale: [] };
  const used = new Set<TransferRow>();
  const own = new Map(rows.map((r) => [r.path, r]));
  for (const a of writes) {
    const r = own.get(a.path);
    if (r !== undefined && r.version === writeId(a)) {
      of.set(a.path, r);
      used.add(r);
    }
  }
  // The others, by folder and content of their version while the state holds it.
  const state = s.home.view.folders();
  const live = new Set<TransferRow>();
  const byContent = new Map<string, TransferRow[]>();
  for (const r of rows) {
    const stored = state.versionsAt(s.id, r.path).find((v) => v.id === r.version);
    if (stored === undefined) continue;
    live.add(r);
    if (used.has(r)) continue;
    const v = decodeFileVersion(stored.bytes);
    if (v.kind !== "file") continue;
    const key = `${parentOf(r.path)}\0${contentKey(v)}`;
    const list = byContent.get(key);
    if (list) list.push(r);
    else byContent.set(key, [r]);
  }
  for (const a of writes) {
    if (of.has(a.path)) continue;
    // Only beside its target: the file is taken over where it lies.
    const r = byContent.get(`${parentOf(a.path)}\0${contentKey(a.version)}`)?.shift();
    if (r === undefined) continue;
    of.set(a.path, r);
    used.add(r);
  }
  return { of, stale: rows.filter((r) => !used.has(r) && !live.has(r)) };
}
