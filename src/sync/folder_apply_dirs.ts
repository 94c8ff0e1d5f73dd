/**
 * @module folder_apply_dirs
 * The folders of a folder's state (docs/folders.md "Empty folders"), after
 * the plan's writes and removals (folder_apply.ts): where the winner at a
 * path is a folder's version, the folder is made (files/place_dir.ts: inside
 * the synced folder, never through a link) and its index row says it holds
 * it; where a folder this device holds was removed elsewhere, it is removed
 * here only when empty. A folder holding what this device does not sync (an
 * ignored file, a file new here not published yet) stays and is said once:
 * its row then names the removal, so the next scan neither republishes it
 * nor calls it deleted. The plan (files/folder_plan.ts) never sees folder
 * rows: to it a folder is nothing at the path, as to an earlier release.
 */

import { winnerOf } from "../files/conflict.ts";
import { CaseNames } from "../files/fs_names.ts";
import { makeFolder, removeEmptyFolder } from "../files/place_dir.ts";
import { removeEmptyParents } from "../files/remove_entry.ts";
import { ancestors } from "../files/paths.ts";
import { decodeFileVersion } from "../log/file_version_codec.ts";
import { DIRECTORY_MARK, isDirectoryVersion } from "../log/file_version.ts";
import type { IndexRow } from "../storage/sql_folder_local.ts";
import { bytesEqual, fromHex } from "../bytes.ts";
import { noteProblem } from "./folder_apply_problems.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import { quotedText } from "../text_safety.ts";

const MARK_TAIL = new Uint8Array([0x58, 0x20, ...fromHex(DIRECTORY_MARK)]);

/**
 * True when `bytes` (an encoded version) may be a folder's: it ends with the
 * mark. Compared from the last byte, so nearly every other version is told
 * apart by one (a subarray and a compare per version cost 150–250 ms a
 * round over 100,000 versions).
 */
function mayBeFolder(bytes: Uint8Array): boolean {
  const n = bytes.length, m = MARK_TAIL.length;
  if (n <= m) return false;
  for (let i = 1; i <= m; i++) if (bytes[n - i] !== MARK_TAIL[m - i]) return false;
  return true;
}

/** The index row of a folder holding the version `bytes`. */
export function folderRow(path: string, bytes: Uint8Array): IndexRow {
  return {
    path,
    kind: "dir",
    size: 0,
    mtimeMs: 0,
    ino: 0,
    ctimeMs: 0,
    exec: false,
    version: bytes,
  };
}

type StatePaths = Iterable<[string, readonly { id: string; bytes: Uint8Array }[]]>;

/**
 * The state's paths as they go by (to the plan), keeping in `into` those a
 * folder may be at: a version that may be a folder's, or a folder row here.
 * The plan reads every path anyway; reading them all again for the few
 * folders cost a second pass over the folder's versions each round.
 */
export function* noteFolders(
  paths: StatePaths,
  rows: ReadonlyMap<string, IndexRow>,
  into: Map<string, readonly { id: string; bytes: Uint8Array }[]>,
): StatePaths {
  const dirRows = new Set<string>();
  for (const [path, row] of rows) if (row.kind === "dir") dirRows.add(path);
  for (const entry of paths) {
    const list = entry[1];
    let maybe = dirRows.size > 0 && dirRows.has(entry[0]);
    for (let i = 0; !maybe && i < list.length; i++) maybe = mayBeFolder(list[i].bytes);
    if (maybe) into.set(entry[0], list);
    yield entry;
  }
}

/**
 * Make and remove the folders among `candidates` (noteFolders, ignored paths
 * left out by the caller), given the folder's index as loaded before the
 * round; `paths` reads the whole state, only when a folder must be kept.
 */
export function applyDirs(
  s: ApplySession,
  candidates: ReadonlyMap<string, readonly { id: string; bytes: Uint8Array }[]>,
  paths: () => StatePaths,
  rows: ReadonlyMap<string, IndexRow>,
): void {
  const live = new Set<string>(); // folders the state says are here
  const removed: string[] = [];
  let synced: Set<string> | undefined; // folders holding a file or link of the state
  // On a file system that ignores case, a folder spelled otherwise here
  // (`Notes/` for `notes/sub`) is not made into: the next scan published it
  // under this disk's spelling, moving the folder on every device (as a new
  // file's path, folder_apply_case.ts).
  let caseNames: CaseNames | undefined;
  const caseClash = (path: string): string | undefined => {
    if (s.fsTraits()?.ignoresCase !== true) return undefined;
    caseNames ??= new CaseNames(s.folder.root);
    const clash = caseNames.clash(path);
    return clash === undefined ? undefined : `${quotedText(clash.segment)} differs only in ` +
      `case from ${quotedText(clash.twin)}, and this folder's file system ignores case`;
  };
  for (const [path, list] of candidates) {
    if (list.length === 0) continue;
    const mine = rows.get(path)?.kind === "dir";
    const versions = list.map((v) => decodeFileVersion(v.bytes));
    const winner = winnerOf(versions);
    const bytes = list[versions.indexOf(winner)].bytes;
    const row = s.record.rowAfter(path);
    if (row && row.kind !== "dir") continue; // a file or link still there: the plan's to settle
    try {
      if (isDirectoryVersion(winner)) {
        live.add(path);
        // Held here already: gone from the disk, it was removed here since
        // the scan (the rounds' own removals keep it, folder_apply_remove.ts),
        // and the next scan publishes that, as a file deleted during a round.
        if (row?.version && bytesEqual(row.version, bytes)) continue;
        const clash = caseClash(path);
        if (clash !== undefined) {
          s.report.problems.push({ path, reason: clash });
          continue;
        }
        makeFolder(s.folder.root, path);
        caseNames?.add(path);
        s.record.note({ kind: "row", row: folderRow(path, bytes) });
        s.report.done++;
      } else if (mine && winner.kind === "deleted") {
        if (row?.version && bytesEqual(row.version, bytes)) continue; // kept once, said once
        const r = removeEmptyFolder(s.folder.root, path);
        if (r === "not_empty") {
          // Its row names the removal: kept, never republished nor deleted by a scan.
          s.record.note({ kind: "row", row: folderRow(path, bytes) });
          // Files the folder syncs in it (one put there here while another
          // device removed it): they keep it everywhere, nothing to say.
          synced ??= syncedFolders(paths());
          if (!synced.has(path)) {
            s.report.problems.push({
              path,
              reason: "removed on another device, kept here: it holds files not synced",
            });
          }
          continue;
        }
        s.record.note({ kind: "gone", path });
        if (r === "removed") {
          s.report.done++;
          removed.push(path);
        }
      }
      // A file or link that won the name is the plan's: written over the
      // empty folder, its row replaces the folder's.
    } catch (e) {
      noteProblem(s, path, e);
    }
  }
  // The folders a removed one leaves empty go too (made on the way to it
  // here, they have no version: left, the next scan published them as new).
  if (removed.length > 0) {
    removeEmptyParents(s.folder.root, removed, (rel) => live.has(rel) || isFolderRow(s, rel));
  }
}

/** The folders above every path whose winner is a file or link. */
function syncedFolders(paths: Iterable<[string, readonly { bytes: Uint8Array }[]]>): Set<string> {
  const out = new Set<string>();
  for (const [path, list] of paths) {
    if (list.length === 0 || ancestors(path).every((a) => out.has(a))) continue;
    const versions = list.map((v) => decodeFileVersion(v.bytes));
    if (winnerOf(versions).kind === "deleted") continue;
    for (const a of ancestors(path)) out.add(a);
  }
  return out;
}

const isFolderRow = (s: ApplySession, rel: string) => s.record.rowAfter(rel)?.kind === "dir";
