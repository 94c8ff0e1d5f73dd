/**
 * @module folder_apply_put
 * One chunk into its task's temporary file (folder_apply_write.ts puts one
 * at a time): written at its offset and counted; every 16 MiB of a large
 * file the folder's marker is checked, and what the file holds is made
 * durable (fsync) before it is recorded, at most once a second. Apart
 * because this order — durable first, then recorded — is what makes a
 * crash mid-file harmless, whatever queues the puts.
 */

import { assertMarker } from "../files/folder_marker.ts";
import type { PartialFile } from "../files/partial_file.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import { bytesOf, setBit, type Task } from "./folder_apply_task.ts";

/** What a put needs of the writer (TaskWriter): the file, and what follows a chunk. */
export interface PutTarget {
  /** The temporary file of `t`, opened (or made) when not open. */
  handle(t: Task): Promise<PartialFile>;
  /** `t` is complete: finish it. */
  finishing(t: Task): void;
  /** Note what `t`'s temporary file holds (once durable). */
  noteTransfer(t: Task): void;
}

/** Put chunk `i` of `t` (its length checked by the caller); `local`: see TaskWriter.put. */
export async function putInto(
  s: ApplySession,
  w: PutTarget,
  t: Task,
  i: number,
  bytes: Uint8Array,
  local: boolean,
): Promise<void> {
  const p = await w.handle(t);
  await p.writeAt(t.offsets[i], bytes);
  setBit(t.done, i);
  t.left--;
  if (!local) t.sinceSync += bytes.length;
  s.doneBytes += bytes.length;
  if (t.left === 0) return w.finishing(t);
  // A large file's chunks go into a file already open, which checks no
  // marker: a folder that stopped meanwhile is found within 16 MiB, fetched
  // or copied, not after the whole file (what it holds is kept: the caller).
  t.sinceMarker = (t.sinceMarker ?? 0) + bytes.length;
  if (t.sinceMarker >= 16 << 20) {
    t.sinceMarker = 0;
    assertMarker(s.folder.root, "fetch file");
  }
  if (t.sinceSync >= 16 << 20) {
    if (Date.now() - t.syncedAt < 1000) return;
    await p.sync();
    t.sinceSync = 0;
    t.syncedAt = Date.now();
    w.noteTransfer(t);
    // What the other devices are told it lacks: less what the row now records.
    s.interim.held(t.path, bytesOf(t.chunks, t.done, true));
    s.noteInterim(true);
    await s.record.checkpoint(true); // durable first (the sync above), then recorded
  }
}
