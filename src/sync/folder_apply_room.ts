/**
 * @module folder_apply_room
 * How many temporary files one folder's writes keep open (about 16), and
 * which one is closed when another must open (folder_apply_temps.ts): a
 * file waiting to finish before one still being filled, never the file of
 * the put under way or one finishing. Apart because it is the one policy
 * of the temporary files, read from what the writer says of its tasks.
 */

import type { PartialFile } from "../files/partial_file.ts";
import type { Task } from "./folder_apply_task.ts";

/** What the writer says of its tasks, for choosing an idle file to close. */
export interface TaskUse {
  /** Whether `t` is complete and waits for a place to finish. */
  waiting(t: Task): boolean;
  /** The task of the put under way, if any: its file is not closed for another's. */
  putting(): Task | undefined;
}

/**
 * Whether one more file may open: true when fewer than 16 are open or
 * opening, or once an idle one is closed — of the files waiting in the
 * finishing queue, the one opened last (opened again when its turn
 * comes), else, unless `preparing` (a guess, worth no more), the oldest
 * file still being filled that the put under way is not writing. A file
 * finishing and the put's own are never closed under their users; when
 * nothing is idle one more opens.
 */
export function makeRoom(
  open: Map<Task, PartialFile>,
  opening: ReadonlyMap<Task, Promise<void>>,
  use: TaskUse,
  preparing: boolean,
): boolean {
  if (open.size + opening.size < 16) return true;
  let idle: Task | undefined;
  for (const t of open.keys()) if (use.waiting(t)) idle = t;
  if (idle === undefined && !preparing) {
    const putting = use.putting();
    for (const t of open.keys()) {
      if (!t.finished && t !== putting) {
        idle = t;
        break;
      }
    }
  }
  if (idle === undefined) return !preparing;
  open.get(idle)!.close();
  open.delete(idle);
  return true;
}
