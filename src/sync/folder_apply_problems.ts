/**
 * @module folder_apply_problems
 * How a folder's apply (folder_apply.ts) tells what it did not write, into
 * the session's report (folder_apply_session.ts): a write that failed — a
 * full or unwritable disk is said once and halts the rest of the round, a
 * folder whose marker went stops it as the round's outcome — a local save
 * that raced the write, and a file whose deletion is held here. Apart from
 * the session, which keeps the state these change (`full`, `stopped`), so
 * that what is said of a path, and when, reads in one place.
 */

import { join } from "node:path";
import { onDisk } from "../files/disk_state.ts";
import { folderDiskFull, isDiskFull, isUnwritable } from "../files/disk_full.ts";
import { writeReason } from "../files/write_problem.ts";
import { isMycelError } from "../errors.ts";
import type { ApplySession } from "./folder_apply_session.ts";

/**
 * Report why `path` could not be written; a full or unwritable disk is
 * said once, a folder that stopped is the round's outcome (`stopped`).
 */
export function noteProblem(s: ApplySession, path: string, e: unknown): void {
  if (s.stopped !== undefined) return; // what fails after the stop is the stop's doing
  if (isMycelError(e, "folder_stopped")) {
    s.stopped = s.report.stopped = e.reason;
    s.fetcher?.stop();
    return;
  }
  const unwritable = isUnwritable(e);
  if (isDiskFull(e) || unwritable !== undefined) {
    if (s.full) return;
    s.full = true;
    s.fetcher?.stop(); // whatever else is asked this round could not be written
    if (unwritable !== undefined) {
      s.report.problems.push({ path: ".", reason: `${unwritable} (${s.folder.root})` });
      return;
    }
    e = folderDiskFull(s.folder.root, e);
  }
  s.report.problems.push({ path, reason: writeReason(s.folder.root, path, e) });
}

// A local save raced the write: it stays (the next scan publishes it). A
// file the write had already moved aside is kept under .mycel/versions/:
// say where, so nothing is silently out of sight.
// A name left empty while the scan holds deletions is (almost always) one
// of them: its deletion waits for the user, not a local change.
export function noteRaced(
  s: ApplySession,
  path: string,
  keptAs: string | undefined,
  what: string,
): void {
  if (deletionHeld(s, path)) return noteHeld(s, path);
  const reason = `it changed on this device meanwhile (${what})` +
    (keptAs === undefined ? "" : `; the file it replaced is kept as ${keptAs}`);
  s.report.problems.push({ path, reason });
}

/**
 * True when nothing is at `path` while the scan holds deletions: its
 * deletion is (almost always) one of them — a path deleted since the scan
 * joins them at the next one (folder_scan_deletions.ts).
 */
export function deletionHeld(s: ApplySession, path: string): boolean {
  return s.folder.info.held !== undefined && nothingAt(join(s.folder.root, path));
}

/** Say that `path` is not written because its deletion is held here. */
export function noteHeld(s: ApplySession, path: string): void {
  const reason = "its deletion here is held with the others until `mycel folder scan " +
    `${s.folder.folder} --yes\` sends them (a newer version elsewhere then wins)`;
  s.report.problems.push({ path, reason });
}

/** Nothing at `abs` (a parent that is not a folder counts as something: not said). */
function nothingAt(abs: string): boolean {
  try {
    return onDisk(abs) === null;
  } catch {
    return false;
  }
}
