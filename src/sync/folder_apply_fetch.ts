/**
 * @module folder_apply_fetch
 * The chunks of a folder's files that no local source had
 * (folder_apply_files.ts), fetched from peers (file_fetch.ts) within the
 * round's budget and put in their files as they arrive
 * (folder_apply_write.ts); a chunk several files need is fetched once. Apart
 * because it is the one wait on the network for content: what it hears also
 * tells which files nobody can send (unfetchable.ts), and which versions
 * misstate a chunk's length (those files are given up: file_fetch.ts).
 */

import { Fetcher } from "./file_fetch.ts";
import { noteProblem } from "./folder_apply_problems.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import { misstatedChunk, type Task } from "./folder_apply_task.ts";
import type { TaskWriter } from "./folder_apply_write.ts";

/** The key of the files that want one id with one length. */
const keyOf = (hash: string, length: number) => `${hash}/${length}`;

/** Files opened ahead of their first chunk. */
const AHEAD = 4;

/** The chunks no local source had, from peers (as much of them as the budget allows). */
export async function fetchWanted(
  s: ApplySession,
  w: TaskWriter,
  wants: ReadonlyMap<string, [Task, number][]>,
  tick: () => void,
): Promise<void> {
  // Wanted by id and length: a version may give a real id another length
  // (a member's lie), and the bytes of that id must neither go into its file
  // nor make the honest peer that sends them look like a liar.
  const byKey = new Map<string, [Task, number][]>();
  for (const [hash, list] of wants) {
    for (const [t, i] of list) {
      if (t.finished) continue; // given up already (a local chunk of the wrong length)
      const key = keyOf(hash, t.chunks[i].length);
      const same = byKey.get(key);
      if (same) same.push([t, i]);
      else byKey.set(key, [[t, i]]);
    }
  }
  if (byKey.size === 0) return;
  const ps = await s.getPeers();
  if (ps.length === 0) return;
  // The files in the order their chunks were asked for (and so arrive, near
  // enough): each chunk put opens the next few files ahead.
  const order: Task[] = [];
  const place = new Map<Task, number>();
  const fetcher = s.fetcher = new Fetcher(ps, s.id, s.o.readTimeoutMs, async (hash, bytes) => {
    s.report.fetchedBytes += bytes.length;
    const list = byKey.get(keyOf(hash, bytes.length)) ?? [];
    for (const [t, i] of list) {
      if (s.halted) break;
      try {
        await w.put(t, i, bytes);
      } catch (e) {
        noteProblem(s, t.path, e);
        // The folder stopped: what the file holds is kept (folder_apply_files.ts).
        if (s.stopped === undefined) t.finished = true;
        // Give its space back (noteProblem() asked for nothing more).
        if (s.full) await w.discard(t);
      }
    }
    const at = list.length > 0 && !s.halted ? place.get(list[0][0]) : undefined;
    if (at !== undefined) {
      for (let k = at + 1; k <= at + AHEAD && k < order.length; k++) w.prepare(order[k]);
    }
    tick();
  }, (hash, claimed, actual) => {
    for (const [t, i] of byKey.get(keyOf(hash, claimed)) ?? []) {
      w.refuse(t, misstatedChunk(t, i, actual, s.makerName(t.version.modifiedBy)));
    }
    tick();
  });
  for (const [key, list] of byKey) {
    if (s.o.budget !== undefined && s.askedBytes >= s.o.budget) break;
    const [first, at] = list[0];
    const length = first.chunks[at].length;
    fetcher.want(key.slice(0, key.indexOf("/")), length);
    s.askedBytes += length;
    for (const [t] of list) {
      if (place.has(t)) continue;
      place.set(t, order.length);
      order.push(t);
    }
  }
  fetcher.close();
  await fetcher.run();
  s.nobody?.heard(fetcher, wants.keys());
  // A second file phase in one round (folder_apply_after_late.ts) adds to what each peer sent.
  for (const r of fetcher.reports) {
    const was = s.report.peers.find((p) => p.key === r.key);
    if (was === undefined) s.report.peers.push(r);
    else {
      was.chunks += r.chunks;
      was.bytes += r.bytes;
      was.dropped ??= r.dropped;
    }
  }
}
