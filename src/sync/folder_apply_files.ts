/**
 * @module folder_apply_files
 * The files of a folder's plan (folder_apply.ts), step 2: each file
 * continues a transfer kept from an earlier round when one holds its
 * content (folder_apply_reuse.ts); the chunks it still lacks come first
 * from this device's own indexed files (a rename or copy
 * elsewhere fetches nothing, local_chunks.ts), then from the copies it kept
 * of the same path (kept_chunks.ts), then from peers (folder_apply_fetch.ts),
 * each chunk checked against its id and written by folder_apply_write.ts.
 * Only what the folder's disk can hold is taken on, and what a file still
 * lacks at the end is kept for the next round. Apart because it is the
 * round's one long phase: it decides which file each chunk goes to.
 */

import { DISK_FULL_REASON } from "../files/disk_full.ts";
import type { ChunkRef } from "../log/chunk_list.ts";
import { checkRelativePath, parentOf } from "../files/paths.ts";
import { ensureRealParents } from "../files/safe_paths.ts";
import { humanBytes } from "../human.ts";
import { fetchWanted } from "./folder_apply_fetch.ts";
import { noteProblem } from "./folder_apply_problems.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import type { FileWrite } from "./folder_apply_types.ts";
import { bitSet, bytesOf, type Task } from "./folder_apply_task.ts";
import { TaskWriter } from "./folder_apply_write.ts";
import { reuseOf, writeId } from "./folder_apply_reuse.ts";
import { KeptChunks } from "./kept_chunks.ts";
import { checkKept, keptOnPurpose } from "./kept_transfer_check.ts";
import { LocalChunks } from "./local_chunks.ts";
import { LocalCopy } from "./local_copy.ts";

/**
 * 2. Files: local chunks first, then kept copies, then peers. `lists`: the
 * chunk lists found (folder_apply_lists.ts); `early`: how many removals were
 * done before (they count in the progress); `others`: the links and
 * removals the round does after the phase (its interim progress records
 * count them as still to do). Returns the files taken on.
 */
export async function applyFiles(
  s: ApplySession,
  fileWrites: readonly FileWrite[],
  lists: ReadonlyMap<string, ChunkRef[]>,
  early: number,
  others = { files: 0, bytes: 0 },
): Promise<Task[]> {
  const totalBytes = fileWrites.reduce((n, a) => n + a.version.size, 0);
  // What the progress line counts: the files this phase writes and the
  // removals done before it. Links, adoptions and the other removals come
  // after it, with no line (folder_round.ts erases it): counted in the total,
  // they kept the line short of it ("k/N") however the fetch went.
  const totalFiles = fileWrites.length + early;
  const tick = () =>
    s.o.progress?.({ files: s.doneFiles, totalFiles, bytes: s.doneBytes, totalBytes });
  // What the round still lacks besides these files, for its interim progress records.
  s.interim.start(fileWrites, {
    files: s.report.needFiles + others.files,
    bytes: s.report.needBytes + others.bytes,
  });
  const w = new TaskWriter(s, tick);
  const copy = new LocalCopy(w);
  try {
    return await writeFiles(s, w, copy, fileWrites, lists, tick);
  } finally {
    copy.close();
    // However the phase ends — done, the folder stopped mid-round, an error —
    // the temporary files it made that hold nothing go (TaskWriter.giveBack).
    await w.giveBack();
  }
}

/** applyFiles() with its writer: the files taken on (what they lack is kept for the next round). */
async function writeFiles(
  s: ApplySession,
  w: TaskWriter,
  copy: LocalCopy,
  fileWrites: readonly FileWrite[],
  lists: ReadonlyMap<string, ChunkRef[]>,
  tick: () => void,
): Promise<Task[]> {
  const { report } = s;
  const locals = new LocalChunks(s.home);
  locals.only(fileWrites.flatMap((a) => lists.get(a.path)?.map((c) => c.hash) ?? []));
  // Then the copies this device kept of the same path (src/sync/kept_chunks.ts).
  const kept = new KeptChunks(s.folder.root);
  const tasks: Task[] = [];
  const wants = new Map<string, [Task, number][]>();
  // Only what the folder's disk can hold is written, copied or fetched: a file
  // larger than the space left would be fetched and thrown away every round
  // (a phone's card joined to a laptop's folder). Files that do not fit, in
  // plan order, are reported; the rest go ahead.
  const available = fileWrites.length > 0 ? await s.freeRoom() : undefined;
  let room = available === undefined ? undefined : available - FREE_MARGIN;
  // Each parent folder checked once in this pass (5,000 files in 100 folders cost 5,000
  // checks, each a thrown NotFound before a first join: a tenth of a second). This is the
  // early word only: the check that guards a write runs again when its file is opened.
  const parents = new Map<string, unknown>();
  // Kept transfers: each write's own, or one of its content it takes over
  // (folder_apply_reuse.ts); those whose version is gone are dropped.
  const reuse = reuseOf(s, fileWrites);
  for (const r of reuse.stale) s.record.note({ kind: "untransfer", path: r.path, temp: r.temp });
  // What each kept transfer holds: not still to fetch for a file not taken on
  // this round (the disk full before its turn, or no room for it: below); one
  // taken on is counted with the tasks, by what it still lacks.
  for (const a of fileWrites) {
    const row = reuse.of.get(a.path), chunks = lists.get(a.path);
    if (row === undefined || chunks === undefined || row.done.length !== (chunks.length + 7) >> 3) {
      continue;
    }
    const held = bytesOf(chunks, row.done, true);
    if (held > 0) s.keptHeld.set(a.path, held);
  }
  for (const a of fileWrites) {
    if (s.halted) break; // the rest is still to come
    const chunks = lists.get(a.path);
    if (chunks === undefined) continue;
    try {
      // Said now, not when its first chunk arrives (and never fetched for nothing).
      checkRelativePath(a.path); // e.g. .MYCEL/ignore: a valid entry, mycel's own file here
      const parent = parentOf(a.path);
      if (!parents.has(parent)) {
        try {
          ensureRealParents(s.folder.root, parent, false);
          parents.set(parent, undefined);
        } catch (e) {
          parents.set(parent, e);
        }
      }
      if (parents.get(parent) !== undefined) throw parents.get(parent);
    } catch (e) {
      noteProblem(s, a.path, e);
      continue;
    }
    const id = writeId(a);
    const row = reuse.of.get(a.path);
    s.keptHeld.delete(a.path); // taken on: what it lacks is counted with the tasks
    const resume = row !== undefined;
    const offsets: number[] = [];
    let off = 0;
    for (const c of chunks) {
      offsets.push(off);
      off += c.length;
    }
    const t: Task = {
      path: a.path,
      version: a.version,
      id,
      expected: a.expected,
      copy: a.copy,
      chunks,
      offsets,
      done: resume ? row.done.slice() : new Uint8Array((chunks.length + 7) >> 3),
      left: 0,
      temp: resume ? row.temp : undefined,
      sinceSync: 0,
      syncedAt: Date.now(),
      finished: false,
    };
    try {
      // A resumed transfer's temporary file is checked now (gone: start over,
      // and the room below is for the whole file); a new one is made when its
      // first chunk arrives.
      if (t.temp !== undefined) await w.resume(t);
      // What it holds from before, durable, is not lacking (an interim record says so).
      s.interim.held(t.path, bytesOf(chunks, t.done, true));
      const taken = resume && (row.path !== a.path || row.version !== id);
      // A file kept on purpose is read back first: what it holds may have been rewritten.
      if (resume && t.temp === row.temp && keptOnPurpose(t, taken)) {
        await checkKept(await w.handle(t), t);
      }
      if (taken) {
        // Taken over: the row moves to this path (or goes, its file gone).
        s.record.note({ kind: "untransfer", path: row.path, temp: row.temp });
        if (t.temp === row.temp) w.noteTransfer(t);
      }
      if (room !== undefined) {
        // A resumed file holds what is done already: only the rest needs room.
        const need = bytesOf(chunks, t.done, false);
        if (need > room) {
          // What it holds stays for a round with room; a file made anew holds nothing.
          const held = bytesOf(chunks, t.done, true);
          if (held > 0) {
            w.close(t);
            s.keptHeld.set(a.path, held);
          } else await w.discard(t);
          report.problems.push({
            path: a.path,
            reason: `${DISK_FULL_REASON}: it needs ${humanBytes(need)} more, ${
              humanBytes(Math.max(0, room + FREE_MARGIN))
            } is free`,
          });
          continue;
        }
        room -= need;
      }
      t.left = chunks.filter((_, i) => !bitSet(t.done, i)).length;
      s.doneBytes += bytesOf(chunks, t.done, true);
      // A large file's local chunks go through the pipelined copy first; what
      // it leaves (and a small file's chunks) takes the plain path below.
      const copied = await copy.copy(t, chunks, locals, () => s.halted);
      report.localBytes += copied.bytes;
      for (const i of copied.left) {
        if (s.halted) break; // what it holds so far is kept (below)
        const local = await locals.get(chunks[i].hash) ??
          await kept.get(t.path, t.version.size, t.offsets[i], chunks[i].length, chunks[i].hash);
        if (local !== undefined) {
          report.localBytes += local.length;
          await w.put(t, i, local, true);
          continue;
        }
        const list = wants.get(chunks[i].hash);
        if (list) list.push([t, i]);
        else wants.set(chunks[i].hash, [[t, i]]);
      }
      if (t.left === 0 && !t.finished) w.finishing(t);
      else if (!t.finished) {
        tasks.push(t);
        w.close(t);
      }
    } catch (e) {
      noteProblem(s, a.path, e);
      // The folder stopped: what it holds is kept with the others (below).
      if (s.stopped !== undefined) tasks.push(t);
      else t.finished = true;
      // Give its space back (a full disk while copying local chunks).
      if (s.full) await w.discard(t);
    }
  }
  locals.close();
  kept.close();
  if (wants.size > 0 && !s.halted) await fetchWanted(s, w, wants, tick);
  await w.drain();
  // Unfinished files: what they hold is kept for the next round.
  for (const t of tasks) {
    if (t.finished) continue;
    report.needFiles++;
    report.needBytes += bytesOf(t.chunks, t.done, false);
    const gone = s.nobody?.unfetchable(
      t.version,
      t.chunks.filter((_, i) => !bitSet(t.done, i)).map((c) => c.hash),
    );
    if (gone !== undefined) report.unfetchable.push(gone);
    if (t.temp === undefined) continue; // nothing of it written yet: nothing to keep
    // Made ahead of chunks that did not come (folder_apply_temps.ts
    // prepare()), or anew for a resumed transfer, holding nothing: nothing
    // worth keeping; applyFiles() gives it back.
    if (bytesOf(t.chunks, t.done, true) === 0) continue;
    try {
      await w.keep(t);
      if (t.chunks.length > 1) w.noteTransfer(t);
    } catch (e) {
      noteProblem(s, t.path, e);
    }
  }
  return tasks;
}

/** Room kept free on a folder's disk when choosing what to fetch. */
const FREE_MARGIN = 1 << 20;
