/**
 * @module local_chunks
 * Chunk content this device already has: read from the indexed local files
 * that hold it (any folder), each read checked against the chunk's id, so a
 * rename or copy made elsewhere fetches nothing (folder_apply.ts).
 */

import { join } from "node:path";
import { loadBlake3 } from "../files/chunk_hash.ts";
import { readExactAt } from "../files/chunk_sources.ts";
import { relativePathProblem } from "../files/paths.ts";
import type { Home } from "../storage/home_handle.ts";

/**
 * Chunks from indexed local files that still hold them (checked against
 * their ids); the last file read stays open (a large file's chunks come in
 * order).
 */
export class LocalChunks {
  readonly #home: Home;
  readonly #roots = new Map<string, string | undefined>();
  #open?: { abs: string; file: Deno.FsFile };
  // The chunks that lie somewhere, of those named to only(); undefined: ask for each.
  #some: Set<string> | undefined;

  constructor(home: Home) {
    this.#home = home;
  }

  /**
   * Only `hashes` will be asked for: which of them lie anywhere is looked
   * up now, in a few queries, and the others are not asked about one by
   * one (a first sync's chunks mostly lie nowhere here). What is recorded
   * meanwhile is not seen: the caller asks before it puts anything.
   */
  only(hashes: Iterable<string>): void {
    this.#some = this.#home.folderLocal.withLocs(hashes);
  }

  #locs(hash: string) {
    if (this.#some !== undefined && !this.#some.has(hash)) return [];
    return this.#home.folderLocal.locs(hash);
  }

  /** The chunk `hash`, from the first local place that still holds it. */
  async get(hash: string): Promise<Uint8Array | undefined> {
    const blake3 = await loadBlake3();
    for (const loc of this.#locs(hash)) {
      const out = await this.#readAt(loc);
      if (out !== undefined && blake3(out) === hash) return out;
    }
    return undefined;
  }

  /**
   * The bytes at the first local place indexed as holding `hash`, NOT checked
   * against it: the caller checks them (local_copy.ts hashes them on another
   * thread) and falls back to {@link get} when they differ.
   */
  async read(hash: string): Promise<Uint8Array | undefined> {
    for (const loc of this.#locs(hash)) {
      const out = await this.#readAt(loc);
      if (out !== undefined) return out;
    }
    return undefined;
  }

  /** The bytes a location names, undefined when the file is gone, not a file or shorter. */
  async #readAt(
    loc: { folder: string; path: string; offset: number; length: number },
  ): Promise<Uint8Array | undefined> {
    if (!this.#roots.has(loc.folder)) {
      this.#roots.set(loc.folder, this.#home.folderLocal.folder(loc.folder)?.root);
    }
    const root = this.#roots.get(loc.folder);
    if (root === undefined || relativePathProblem(loc.path) !== undefined) return undefined;
    try {
      const abs = join(root, loc.path);
      if (this.#open?.abs !== abs) {
        this.close();
        // Held from the open on: a stat that throws is closed by the catch below.
        this.#open = { abs, file: await Deno.open(abs, { read: true }) };
        if (!(await this.#open.file.stat()).isFile) {
          this.close();
          return undefined;
        }
      }
      return readExactAt(this.#open!.file, loc.offset, loc.length);
    } catch {
      // moved or unreadable: try the next place
      this.close();
      return undefined;
    }
  }

  close(): void {
    this.#open?.file.close();
    this.#open = undefined;
  }
}
