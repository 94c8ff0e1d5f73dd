/**
 * @module scan_reader
 * How a scan reads changed files: each is streamed into the chunker
 * (scan_file.ts) and its chunk ids computed in this thread, or — once there
 * is much to hash (a file of {@link POOL_FROM} or more, or that much hashed
 * here) — in a worker (hash_pool.ts) while the walk goes on. Results land in
 * the scan's lists when their ids are known; {@link ScanReader.finish} waits
 * for the last. A worker that fails (or cannot start) only costs time: the
 * files it left are read again here. {@link ScanReader.close} stops the
 * worker (a live one keeps the process up).
 */

import type { ContentChunker } from "./content_chunker.ts";
import { HashPool } from "./hash_pool.ts";
import { chunkFile, statKey } from "./scan_file.ts";
import { ScanStop } from "./scan_stop.ts";
import type {
  ScannedFile,
  ScannedSymlink,
  ScanOptions,
  ScanStats,
  SkippedPath,
} from "./scan_types.ts";

/** Bytes to hash (one file, or hashed in this thread so far) from which a worker hashes. */
export const POOL_FROM = 64 << 20;

/** Where a reader puts what it learns. */
export interface ScanLists {
  readonly changed: (ScannedFile | ScannedSymlink)[];
  readonly skipped: SkippedPath[];
  readonly present: Set<string>;
  readonly stats: ScanStats;
}

/** Reads the changed files of one scan (see the module comment). */
export class ScanReader {
  readonly #chunker: ContentChunker;
  readonly #lists: ScanLists;
  readonly #mode: "auto" | "always" | "never";
  readonly #newPool: () => HashPool;
  readonly #execOf: ((path: string) => boolean) | undefined;
  readonly #stop: ScanStop;
  #pool: HashPool | undefined;
  #poolFailed = false;
  #hashedHere = 0;
  /** Files read and checked whose ids the worker is still computing. */
  readonly #hashing: Promise<void>[] = [];
  /** Files the worker could not finish: read again in this thread. */
  readonly #again: { path: string; abs: string; recheck: boolean }[] = [];

  constructor(
    chunker: ContentChunker,
    lists: ScanLists,
    options: ScanOptions,
    stop = new ScanStop("", undefined),
  ) {
    this.#stop = stop;
    this.#chunker = chunker;
    this.#lists = lists;
    this.#mode = options.onChunk ? "never" : options.worker ?? "auto";
    this.#newPool = options.newHashPool ?? (() => new HashPool());
    this.#execOf = options.execOf;
  }

  /**
   * Read the regular file `path` at `abs`, which lstat described as `info`
   * (that lstat started at wall time `seen`); `recheck`: read only because
   * its row is racy (ScannedFile.recheck).
   */
  async read(
    path: string,
    abs: string,
    info: Deno.FileInfo,
    seen: number,
    recheck = false,
  ): Promise<void> {
    this.#startPoolFor(info.size);
    await this.#chunker.backlog();
    const read = await chunkFile(abs, info, this.#chunker, this.#stop);
    if ("skipped" in read) {
      this.#lists.skipped.push({ path, reason: read.skipped });
      return;
    }
    if (this.#pool === undefined) this.#hashedHere += info.size;
    this.#hashing.push(read.hashing.then(
      (chunks) => this.#found(path, info, chunks, seen, recheck),
      () => {
        // The worker failed: hash in this thread from now on.
        this.#poolFailed = true;
        this.close();
        this.#chunker.usePool(undefined);
        this.#again.push({ path, abs, recheck });
      },
    ));
  }

  /** Wait for every file read so far (and read again what the worker left). */
  async finish(): Promise<void> {
    await Promise.all(this.#hashing);
    for (const { path, abs, recheck } of this.#again.splice(0)) {
      let info: Deno.FileInfo;
      const seen = Date.now();
      try {
        info = Deno.lstatSync(abs);
      } catch {
        this.#lists.present.delete(path); // gone meanwhile: absent
        continue;
      }
      if (!info.isFile) {
        this.#lists.skipped.push({ path, reason: "it changed while scanning" });
        continue;
      }
      await this.#stop.check();
      const read = await chunkFile(abs, info, this.#chunker, this.#stop);
      if ("skipped" in read) this.#lists.skipped.push({ path, reason: read.skipped });
      else this.#found(path, info, await read.hashing, seen, recheck);
    }
  }

  /** Stop the worker, if one runs. */
  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
  }

  #found(
    path: string,
    info: Deno.FileInfo,
    chunks: ScannedFile["chunks"],
    seen: number,
    recheck: boolean,
  ): void {
    this.#lists.stats.hashedFiles++;
    this.#lists.stats.hashedBytes += info.size;
    const key = statKey(info, seen);
    const exec = this.#execOf === undefined ? key.exec : this.#execOf(path);
    this.#lists.changed.push({
      kind: "file",
      path,
      ...key,
      exec,
      chunks,
      ...(recheck ? { recheck } : {}),
    });
  }

  #startPoolFor(size: number): void {
    if (this.#pool !== undefined || this.#mode === "never" || this.#poolFailed) return;
    // A worker takes 50–100 ms to start (and an isolate's memory): only for much to hash.
    if (this.#mode === "always" || size >= POOL_FROM || this.#hashedHere >= POOL_FROM) {
      this.#pool = this.#newPool();
      this.#chunker.usePool(this.#pool);
    }
  }
}
