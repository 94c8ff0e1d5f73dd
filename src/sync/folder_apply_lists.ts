/**
 * @module folder_apply_lists
 * The chunk lists of the files a folder's plan writes (folder_apply.ts): a
 * large file's list is a tree of manifest blobs (manifest_tree.ts), taken
 * from the home, and the blobs the home lacks fetched from peers, a pass at
 * a time (a blob fetched can name others the home lacks). Apart because it is the one fetch that comes before
 * the files' own: nothing of a file is fetched until its list is known.
 */

import { isMycelError } from "../errors.ts";
import type { ChunkRef } from "../files/chunk_hash.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import { Fetcher } from "./file_fetch.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import type { FileWrite } from "./folder_apply_types.ts";

/** The chunk lists found, and the files whose list is still missing. */
export interface ChunkLists {
  /** Per file, its chunks. */
  readonly lists: Map<string, ChunkRef[]>;
  /** Per file, the blob of its chunk list the home lacks (after the last pass). */
  readonly blobOf: Map<string, string>;
}

/** 1. Chunk lists of the files to write (manifest blobs from the home, else from peers). */
export async function chunkLists(
  s: ApplySession,
  fileWrites: readonly FileWrite[],
): Promise<ChunkLists> {
  const fl = s.home.folderLocal;
  const lists = new Map<string, ChunkRef[]>();
  const blobOf = new Map<string, string>();
  for (let pass = 0; pass < 4; pass++) {
    const missing = new Set<string>();
    for (const a of fileWrites) {
      if (lists.has(a.path)) continue;
      try {
        lists.set(
          a.path,
          await resolveChunkList(a.version.chunks, a.version.size, (h) => fl.blob(h)),
        );
      } catch (e) {
        if (isMycelError(e, "manifest_missing")) {
          const blob = String((e as { value?: string }).value ?? "");
          missing.add(blob);
          blobOf.set(a.path, blob);
        } else s.problem(a.path, e);
      }
    }
    if (missing.size === 0) break;
    const ps = await s.getPeers();
    if (ps.length === 0) break;
    const got: [string, Uint8Array][] = [];
    const fetcher = new Fetcher(ps, s.id, s.o.readTimeoutMs, (h, b) => {
      got.push([h, b.slice()]); // b is the fetcher's buffer
      return Promise.resolve();
    });
    for (const h of missing) if (h) fetcher.want(h, 0);
    fetcher.close();
    await fetcher.run();
    s.nobody?.heard(fetcher, missing);
    if (got.length === 0) break;
    await s.home.write((w) => {
      for (const [h, b] of got) w.folderLocal.putBlob(h, b);
    });
  }
  return { lists, blobOf };
}
