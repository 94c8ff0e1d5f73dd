/**
 * @module content_chunker
 * Cuts a stream into FastCDC chunks and names each by its BLAKE3 id: the
 * {@link Chunker} plus hashing, collecting the chunk list. Pure (bytes in,
 * chunk list out); file reading is in scan_file.ts. Memory stays that of one
 * Chunker, whatever the stream length.
 */

import { type Blake3, loadBlake3 } from "./chunk_hash.ts";
import type { ChunkHash, ChunkRef } from "../log/chunk_list.ts";
import type { HashPool } from "./hash_pool.ts";
import type { ChunkParams } from "./chunk_params.ts";
import { Chunker } from "./chunker.ts";

/**
 * Sees every chunk as it is cut: its ref, a transient view of its bytes
 * (copy to keep) and its offset in the stream.
 */
export type ChunkSink = (ref: ChunkRef, bytes: Uint8Array, offset: number) => void;

/** Bytes a hashing pool may hold unhashed before the reader waits. */
export const POOL_BACKLOG = 8 << 20;

/** Chunks and hashes one stream at a time ({@link reset} for the next). */
export class ContentChunker {
  /** The chunks cut so far, in order. */
  chunks: ChunkRef[] = [];
  readonly #chunker: Chunker;
  readonly #blake3: Blake3;
  readonly #onChunk: (bytes: Uint8Array, offset: number) => void;
  /** With a pool: this stream's chunks being hashed there, in order. */
  #hashing: { hash: Promise<ChunkHash>; length: number }[] = [];
  /** The pool of the stream under way, and of the streams after the next reset. */
  #pool: HashPool | undefined;
  #nextPool: HashPool | undefined;

  private constructor(chunker: Chunker, blake3: Blake3, sink?: ChunkSink) {
    this.#chunker = chunker;
    this.#blake3 = blake3;
    this.#onChunk = (bytes, offset) => {
      if (this.#pool !== undefined) {
        const hash = this.#pool.hash(bytes);
        hash.catch(() => {}); // a stream dropped halfway never asks; finishLater reports it
        this.#hashing.push({ hash, length: bytes.length });
        return;
      }
      const ref = { hash: this.#blake3(bytes), length: bytes.length };
      this.chunks.push(ref);
      sink?.(ref, bytes, offset);
    };
  }

  /**
   * Hash the chunks of the streams after the next {@link reset} in `pool`
   * (undefined: in this thread again); a stream under way keeps how it
   * started. Not with a sink: it would see chunks before their ids.
   */
  usePool(pool: HashPool | undefined): void {
    this.#nextPool = pool;
  }

  /** Resolves once the pool (if any) holds at most {@link POOL_BACKLOG} bytes unhashed. */
  backlog(): Promise<void> {
    return this.#pool?.settle(POOL_BACKLOG) ?? Promise.resolve();
  }

  /** Start a new stream (the chunk list starts empty; the old array is left as it was). */
  reset(): void {
    this.#chunker.reset();
    this.chunks = [];
    this.#hashing = [];
    this.#pool = this.#nextPool;
  }

  /** A chunker for one stream with the mesh's `params` and `seed`. */
  static async create(
    params: ChunkParams,
    seed: bigint,
    sink?: ChunkSink,
  ): Promise<ContentChunker> {
    return new ContentChunker(new Chunker(params, seed), await loadBlake3(), sink);
  }

  /** Bytes taken in so far. */
  get bytesIn(): number {
    return this.#chunker.bytesIn;
  }

  /** Free space to read into directly; then {@link commit}. */
  space(): Uint8Array {
    return this.#chunker.space();
  }

  /** Take `n` bytes written into {@link space}. */
  commit(n: number): void {
    this.#chunker.commit(n, this.#onChunk);
  }

  /** Take a copy of `data`. */
  push(data: Uint8Array): void {
    this.#chunker.push(data, this.#onChunk);
  }

  /** End of stream; returns the whole chunk list (hashed in this thread: no pool). */
  finish(): ChunkRef[] {
    if (this.#pool !== undefined) throw new Error("finish() with a pool: use finishLater()");
    this.#chunker.finish(this.#onChunk);
    return this.chunks;
  }

  /**
   * End of stream; the whole chunk list once every chunk is hashed (at once
   * without a pool). Rejects if the pool failed or closed meanwhile.
   */
  finishLater(): Promise<ChunkRef[]> {
    if (this.#pool === undefined) return Promise.resolve(this.finish());
    this.#chunker.finish(this.#onChunk);
    const hashing = this.#hashing;
    this.#hashing = [];
    return Promise.all(hashing.map((h) => h.hash)).then((hashes) =>
      hashes.map((hash, i) => ({ hash, length: hashing[i].length }))
    );
  }
}

/** The chunk list of an in-memory byte array. */
export async function chunkBytes(
  data: Uint8Array,
  params: ChunkParams,
  seed: bigint,
): Promise<ChunkRef[]> {
  const c = await ContentChunker.create(params, seed);
  c.push(data);
  return c.finish();
}
