/**
 * @module move_file
 * A file renamed or moved on another device, renamed the same way here.
 * The plan says "write new/name (a new path), remove old/name" with the
 * same content; written as a copy, it costs a read and write of the whole
 * file and, until the removal, room for a second copy: on a disk with less
 * free than the file, the write failed ("the disk is full") while the
 * removal went on, and the file was at neither name (kept only under
 * `.mycel/versions/`). Renaming needs no room and no reading, and keeps
 * nothing aside: the content stays in the folder, at its new name.
 *
 * The file is moved the way place_entry.ts moves files: held aside, checked
 * to be what the index saw, then linked in without replacing anything
 * (held_file.ts), so a save at either name in the meantime is never lost.
 */

import { join } from "node:path";
import {
  type ExpectedEntry,
  matchesExpected,
  type OnDisk,
  onDisk,
  takeMtime,
} from "./disk_state.ts";
import { holdNameFor } from "./folder_layout.ts";
import { holdAside, moveNoClobber, putBack } from "./held_file.ts";
import { baseName, parentOf } from "./paths.ts";
import { assertRealDir, ensureRealParents, syncDir } from "./safe_paths.ts";

/**
 * What the index says is at the path moved: the fields a write checks
 * (matchesExpected), with the ctime and racy flag of its row when known.
 */
export type MoveSource = NonNullable<ExpectedEntry> & {
  readonly ctimeMs?: number;
  readonly racy?: boolean;
};

/**
 * Move the file at `from` (folder-relative, as `expected` says) to `to`,
 * giving it the modification time `mtimeMs`; returns what is at `to` then,
 * with the size and time the moved version has (for the index: a write
 * that raced the move then differs from it), flagged racy (the next scan
 * reads it) when the index could not tell the file is still the version:
 * its row racy, its ctime another since, or its time set here.
 * Undefined, changing nothing (but the folders on the way to `to`), when
 * the file is not the expected one or something is at `to` already (what
 * was held aside is then back at `from`, or kept under `.mycel/versions/`:
 * never lost).
 * @throws MycelError `unsafe_path` when a folder on either way is a link
 */
export async function moveFile(
  realRoot: string,
  from: string,
  to: string,
  expected: MoveSource,
  mtimeMs: number,
  now: number,
): Promise<OnDisk | undefined> {
  const fromRel = parentOf(from);
  const fromDir = join(realRoot, fromRel);
  assertRealDir(fromDir, fromDir);
  const fromAbs = join(fromDir, baseName(from));
  const found = onDisk(fromAbs);
  if (!matchesExpected(found, expected)) return undefined;
  // A same-size rewrite putting the time back (cp -p, rsync -t) since the
  // row was taken shows only in the ctime (matchesExpected compares size,
  // time and inode). Moved and recorded as found, it passed for the version
  // moved: never published, and its bytes served as that version's (the
  // fetching device dropped this one as "sent wrong bytes", every round).
  // Such a file is still moved, the next scan reads it: the rewrite
  // follows the file, published as an edit of its new path.
  let unsure = expected.racy === true || expected.ctimeMs === undefined ||
    found!.ctimeMs !== expected.ctimeMs;
  const toDir = join(realRoot, parentOf(to));
  const toAbs = join(toDir, baseName(to));
  ensureRealParents(realRoot, parentOf(to));
  if (onDisk(toAbs) !== null) return undefined;
  const holdName = holdNameFor();
  const hold = holdAside(fromAbs, holdName);
  if (hold === undefined) return undefined;
  let moved = false;
  try {
    if (!matchesExpected(onDisk(hold.held), expected)) return undefined;
    assertRealDir(toDir, toDir);
    moved = moveNoClobber(hold.held, toAbs);
  } finally {
    if (!moved) await putBack(realRoot, fromRel, holdName, now);
  }
  Deno.removeSync(hold.holdDir);
  // Only once moved: a file put back keeps the time its index row names.
  // Through the file opened without following a link, checked to be the one
  // just moved (takeMtime): by name, a link swapped in at `to` meanwhile had
  // a round run as root set the time of the file it named.
  // Only when it still has the time it was moved with: a write landing since
  // the check (a program holding the file open) had its time set back to the
  // version's, and, its size the same, it read as the version moved. And a
  // write between takeMtime's look and the time being set still does so:
  // a file whose time is set here is read by the next scan (as an adopted
  // one is), which a move that keeps the time (nearly all) does not need.
  const there = onDisk(toAbs);
  if (expected.mtimeMs !== mtimeMs && there !== null) {
    unsure = true;
    if (there.size === expected.size && there.mtimeMs === expected.mtimeMs) {
      await takeMtime(toAbs, there, mtimeMs);
    }
  }
  await syncDir(toDir);
  if (toDir !== fromDir) await syncDir(fromDir);
  const after = onDisk(toAbs);
  if (after === null || after.kind !== "file") return after ?? undefined;
  // What the index records: the moved version's size and time, with the
  // file's inode and ctime. A program holding the file open writes on
  // through the rename; a write between the checks above and this stat
  // (the folder syncs take milliseconds) was recorded as found, so it
  // passed for the version moved: never published, and a later change
  // from elsewhere replaced it. Recorded so, it differs in size or time
  // from what is on disk, and the next scan reads the file.
  return { ...after, size: expected.size, mtimeMs, ...(unsure ? { racy: true } : {}) };
}
