/**
 * @module kept_transfer_check
 * The chunks a kept transfer's temporary file says it holds, read back and
 * checked against their ids before a write uses them, when that file was
 * kept on purpose across rounds rather than left by a crash: one that holds
 * every chunk (a file fetched whole whose target was saved here meanwhile,
 * folder_apply_finish.ts, or complete when its folder stopped), or one a
 * write of another path or version takes over (folder_apply_reuse.ts).
 * Such a file waits beside its target, under a name anyone can open, for a
 * round or more; a rewrite in place of the same size (an editor, a backup
 * tool putting back an older copy) passed the size and link checks of
 * PartialFile.open, and its bytes were placed and recorded, and published
 * for a conflict copy, as the version's (found by a review: a 4 KiB block
 * rewritten in a kept 48 MiB file ended at b's conflict copy while a's held
 * the real bytes, and no scan looked again). A chunk that does not hash to
 * its id is taken as not there: it comes from local files or peers like any
 * other. A transfer a crash left mid-file is not read again: that would
 * cost a second read of all it holds on every resume, for a file nobody
 * had a reason to touch.
 */

import { loadBlake3 } from "../files/chunk_hash.ts";
import type { PartialFile } from "../files/partial_file.ts";
import { bitSet, type Task } from "./folder_apply_task.ts";

/** Bytes checked between turns given to the event loop (a 1 GiB file is read in one go otherwise). */
const TURN_BYTES = 16 << 20;

/** Whether `t`'s resumed file is one kept on purpose (see the module comment), so checked. */
export function keptOnPurpose(t: Task, takenOver: boolean): boolean {
  return takenOver || t.chunks.every((_, i) => bitSet(t.done, i));
}

/**
 * Clear in `t.done` every chunk `p` (its resumed temporary file) does not
 * hold: bytes that do not hash to the chunk's id. Returns how many.
 */
export async function checkKept(p: PartialFile, t: Task): Promise<number> {
  const blake3 = await loadBlake3();
  let wrong = 0;
  let sinceTurn = 0;
  for (let i = 0; i < t.chunks.length; i++) {
    if (!bitSet(t.done, i)) continue;
    const c = t.chunks[i];
    const bytes = await p.readAt(t.offsets[i], c.length);
    if (bytes === undefined || blake3(bytes) !== c.hash) {
      t.done[i >> 3] &= ~(1 << (i & 7));
      wrong++;
    }
    sinceTurn += c.length;
    if (sinceTurn >= TURN_BYTES) {
      sinceTurn = 0;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  return wrong;
}
