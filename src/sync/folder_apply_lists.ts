/**
 * @module folder_apply_lists
 * The chunk lists of the files a folder's plan writes (folder_apply.ts): a
 * large file's list is a tree of manifest blobs (manifest_resolve.ts), taken
 * from the home, and the blobs the home lacks fetched from peers, a level of
 * every file's tree a pass, so an honest tree comes whole in one round.
 * Apart because it is the one fetch that comes before the files' own:
 * nothing of a file is fetched until its list is known.
 *
 * A member can publish versions whose trees are large or made up, so what
 * a round does here is bounded before any blob is read: a file the folder's
 * disk could not hold is not resolved (the room is checked again, with what
 * is already fetched, in folder_apply_files.ts); the chunks resolved in a
 * round are at most MAX_RESOLVED_CHUNKS; blobs fetched are at most
 * {@link ROUND_BLOBS} a round and {@link PASS_BLOBS} a pass (held in memory
 * until the pass is written); each blob fetched is stored only once it is
 * the node its parent names (id, level, entry count, byte total); and
 * after a round stored blobs, those no version names go (blob_sweep.ts).
 */

import { DISK_FULL_REASON } from "../files/disk_full.ts";
import type { ChunkRef } from "../log/chunk_list.ts";
import {
  checkNode,
  MAX_RESOLVED_CHUNKS,
  type NodeCache,
  type NodeSlot,
  stepChunkList,
} from "../files/manifest_resolve.ts";
import { humanBytes } from "../human.ts";
import { sweepBlobs } from "./blob_sweep.ts";
import { Fetcher } from "./file_fetch.ts";
import { noteProblem } from "./folder_apply_problems.ts";
import { reuseOf } from "./folder_apply_reuse.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import type { FileWrite } from "./folder_apply_types.ts";

/** The chunk lists found, and the files whose list is still missing. */
export interface ChunkLists {
  /** Per file, its chunks. */
  readonly lists: Map<string, ChunkRef[]>;
  /** Per file, the blob of its chunk list the home lacks (after the last pass). */
  readonly blobOf: Map<string, string>;
}

/** Manifest blobs fetched in a round at most (≤ 192 MiB of full nodes; a 1 TiB file has ~1,000). */
export const ROUND_BLOBS = 1024;
/** Manifest blobs fetched in one pass at most: what a pass holds in memory (≤ 12 MiB). */
export const PASS_BLOBS = 64;
/** After this long resolving, files not begun wait for the next round. */
const ROUND_LIST_MS = 30_000;
/** Room kept free on a folder's disk (as folder_apply_files.ts keeps). */
const FREE_MARGIN = 1 << 20;

/** 1. Chunk lists of the files to write (manifest blobs from the home, else from peers). */
export async function chunkLists(
  s: ApplySession,
  fileWrites: readonly FileWrite[],
): Promise<ChunkLists> {
  const fl = s.home.folderLocal;
  const lists = new Map<string, ChunkRef[]>();
  const blobOf = new Map<string, string>();
  const todo = await takenOn(s, fileWrites);
  const cache: NodeCache = new Map();
  // Blobs a peer sent that are not the node their parent names: the file is bad, not late.
  const refused = new Map<string, unknown>();
  const asked = new Set<string>();
  const started = Date.now();
  let fetched = 0;
  let stored = 0;
  while (todo.size > 0 && !s.halted) {
    const missing = new Map<string, NodeSlot>();
    for (const a of todo) {
      try {
        const step = await stepChunkList(
          a.version.chunks,
          a.version.size,
          (h) => fl.blob(h),
          cache,
        );
        if ("chunks" in step) {
          lists.set(a.path, step.chunks);
          todo.delete(a);
          continue;
        }
        const wrong = step.missing.find((slot) => refused.has(slot.hash));
        if (wrong !== undefined) throw refused.get(wrong.hash);
        for (const slot of step.missing) if (!missing.has(slot.hash)) missing.set(slot.hash, slot);
        blobOf.set(a.path, step.missing[0].hash);
      } catch (e) {
        todo.delete(a);
        noteProblem(s, a.path, e);
      }
    }
    if (missing.size === 0 || fetched >= ROUND_BLOBS || Date.now() - started > ROUND_LIST_MS) break;
    const ps = await s.getPeers();
    if (ps.length === 0) break;
    // A blob no peer sent this round is not asked for again in it.
    const wanted = [...missing.keys()].filter((h) => !asked.has(h))
      .slice(0, Math.min(PASS_BLOBS, ROUND_BLOBS - fetched));
    if (wanted.length === 0) break;
    for (const h of wanted) asked.add(h);
    const wrongBefore = refused.size;
    fetched += wanted.length;
    const got: [string, Uint8Array][] = [];
    const fetcher = new Fetcher(ps, s.id, s.o.readTimeoutMs, async (h, b) => {
      const slot = missing.get(h);
      if (slot === undefined) return;
      try {
        await checkNode(b, slot, cache); // b is the fetcher's buffer: checked before it is kept
        got.push([h, b.slice()]);
      } catch (e) {
        refused.set(h, e); // not stored: its files are reported on the next step
      }
    });
    for (const h of wanted) fetcher.want(h, 0);
    fetcher.close();
    await fetcher.run();
    s.nobody?.heard(fetcher, wanted);
    if (got.length === 0 && refused.size === wrongBefore) break;
    await s.home.write((w) => {
      for (const [h, b] of got) w.folderLocal.putBlob(h, b);
    });
    stored += got.length;
  }
  // Blobs came: those of versions since replaced (and any a member's bad tree
  // brought) go, so the home holds only the trees of current versions.
  if (stored > 0) {
    await sweepBlobs(s.home);
    if (s.o.sweep) s.o.sweep.done = true;
  }
  return { lists, blobOf };
}

/**
 * The files whose lists this round reads: each one the folder's disk could
 * hold (a transfer under way was checked when it began), while the chunks
 * they claim fit in MAX_RESOLVED_CHUNKS; the others are reported or wait.
 */
async function takenOn(s: ApplySession, fileWrites: readonly FileWrite[]): Promise<Set<FileWrite>> {
  const todo = new Set<FileWrite>();
  if (fileWrites.length === 0) return todo;
  const available = await s.freeRoom();
  const reuse = reuseOf(s, fileWrites);
  let budget = MAX_RESOLVED_CHUNKS;
  for (const a of fileWrites) {
    const v = a.version;
    const count = "inline" in v.chunks ? v.chunks.inline.length : v.chunks.count;
    const resumed = reuse.of.has(a.path);
    if (available !== undefined && !resumed && v.size > available - FREE_MARGIN) {
      s.report.problems.push({
        path: a.path,
        reason: `${DISK_FULL_REASON}: it needs ${humanBytes(v.size)} more, ${
          humanBytes(Math.max(0, available))
        } is free`,
      });
      continue;
    }
    // Past MAX_RESOLVED_CHUNKS a file is refused when its list is read; under it,
    // one that does not fit what is left waits for a round with fewer to read.
    if (count <= MAX_RESOLVED_CHUNKS) {
      if (count > budget) continue;
      budget -= count;
    }
    todo.add(a);
  }
  return todo;
}
