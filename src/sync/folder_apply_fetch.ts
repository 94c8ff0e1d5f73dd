/**
 * @module folder_apply_fetch
 * The chunks of a folder's files that no local source had
 * (folder_apply_files.ts), fetched from peers (file_fetch.ts) within the
 * round's budget and put in their files as they arrive
 * (folder_apply_write.ts); a chunk several files need is fetched once. Apart
 * because it is the one wait on the network for content: what it hears also
 * tells which files nobody can send (unfetchable.ts).
 */

import { Fetcher } from "./file_fetch.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import type { Task, TaskWriter } from "./folder_apply_write.ts";

/** The chunks no local source had, from peers (as much of them as the budget allows). */
export async function fetchWanted(
  s: ApplySession,
  w: TaskWriter,
  wants: ReadonlyMap<string, [Task, number][]>,
  tick: () => void,
): Promise<void> {
  const ps = await s.getPeers();
  if (ps.length === 0) return;
  const fetcher = s.fetcher = new Fetcher(ps, s.id, s.o.readTimeoutMs, async (hash, bytes) => {
    s.report.fetchedBytes += bytes.length;
    for (const [t, i] of wants.get(hash) ?? []) {
      if (s.full) break;
      try {
        await w.put(t, i, bytes);
      } catch (e) {
        t.finished = true;
        s.problem(t.path, e);
        // Give its space back (problem() asked for nothing more).
        if (s.full) await w.discard(t);
      }
    }
    tick();
  });
  let asked = 0;
  for (const [hash, list] of wants) {
    if (s.o.budget !== undefined && asked >= s.o.budget) break;
    const length = list[0][0].chunks[list[0][1]].length;
    fetcher.want(hash, length);
    asked += length;
  }
  fetcher.close();
  await fetcher.run();
  s.nobody?.heard(fetcher, wants.keys());
  s.report.peers = fetcher.reports;
}
