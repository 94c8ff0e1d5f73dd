/**
 * @module chunker
 * Streaming FastCDC 2020 cutter (gear hash, normalized chunking, two bytes a
 * step) over the wasm cut loop of gear_wasm_asm.ts. Pure: bytes go in, chunk
 * bytes come out through a callback.
 *
 * Invariants:
 * - The cuts depend only on the content, the parameters and the seed, never
 *   on how the input was split into `push`/`commit` calls: a chunk is cut
 *   only once `max` bytes are buffered (or at `finish`), and the reference's
 *   cut over `max` or more bytes looks at exactly the first `max`.
 * - Memory is fixed at construction: one buffer of `2 × max + READ_BLOCK`
 *   bytes (plus 8 KiB of tables) inside the wasm instance, whatever the
 *   input size. Twice `max` so that moving the undecided tail to the front
 *   (less than `max` bytes) happens at most once per `max` bytes taken in.
 * - Chunk bytes handed to the callback are a view into that buffer, valid
 *   only during the call (hash or copy them there).
 */

import { checkChunkParams, type ChunkParams, cutMasks } from "./chunk_params.ts";
import { gearTables } from "./gear_table.ts";
import { GEAR_WASM_BASE64 } from "./gear_wasm_bytes.ts";
import { WASM_DATA_OFFSET, WASM_LAYOUT } from "./gear_wasm_asm.ts";

/** Room kept for reads beyond the `max` bytes a cut needs. */
export const READ_BLOCK = 1 << 20;

/** Receives each chunk: a transient view of its bytes and its offset in the stream. */
export type OnChunk = (bytes: Uint8Array, offset: number) => void;

let wasmModule: WebAssembly.Module | undefined;

function gearModule(): WebAssembly.Module {
  wasmModule ??= new WebAssembly.Module(Uint8Array.fromBase64(GEAR_WASM_BASE64));
  return wasmModule;
}

/** A FastCDC cutter for one stream (one file). */
export class Chunker {
  /** The parameters in force. */
  readonly params: ChunkParams;
  readonly #mem: Uint8Array;
  readonly #view: DataView;
  readonly #cut: (p: number, e1: number, e2: number) => number;
  readonly #limit: number;
  #start = WASM_DATA_OFFSET;
  #end = WASM_DATA_OFFSET;
  #offset = 0;
  #finished = false;

  /**
   * @param params chunk sizes (checked)
   * @param seed the mesh's gear seed (`gearSeedFromSecret`); 0n = reference tables
   */
  constructor(params: ChunkParams, seed: bigint) {
    this.params = checkChunkParams(params);
    this.#limit = WASM_DATA_OFFSET + 2 * params.max + READ_BLOCK;
    const memory = new WebAssembly.Memory({ initial: Math.ceil(this.#limit / 65536) });
    const instance = new WebAssembly.Instance(gearModule(), { m: { mem: memory } });
    this.#cut = instance.exports.cut as (p: number, e1: number, e2: number) => number;
    this.#mem = new Uint8Array(memory.buffer);
    this.#view = new DataView(memory.buffer);
    const { gear, gearLs } = gearTables(seed);
    new BigUint64Array(memory.buffer, WASM_LAYOUT.gear, 256).set(gear);
    new BigUint64Array(memory.buffer, WASM_LAYOUT.gearLs, 256).set(gearLs);
    const { small, large } = cutMasks(params);
    const u64 = (1n << 64n) - 1n;
    this.#view.setBigUint64(WASM_LAYOUT.maskS, small, true);
    this.#view.setBigUint64(WASM_LAYOUT.maskL, large, true);
    this.#view.setBigUint64(WASM_LAYOUT.maskSLs, (small << 1n) & u64, true);
    this.#view.setBigUint64(WASM_LAYOUT.maskLLs, (large << 1n) & u64, true);
  }

  /** Bytes taken in so far. */
  get bytesIn(): number {
    return this.#offset + (this.#end - this.#start);
  }

  /**
   * Free buffer space to read into directly (at least {@link READ_BLOCK}
   * bytes); report how much was filled with {@link commit}.
   */
  space(): Uint8Array {
    this.#checkOpen();
    if (this.#limit - this.#end < READ_BLOCK && this.#start > WASM_DATA_OFFSET) {
      this.#mem.copyWithin(WASM_DATA_OFFSET, this.#start, this.#end);
      this.#end -= this.#start - WASM_DATA_OFFSET;
      this.#start = WASM_DATA_OFFSET;
    }
    return this.#mem.subarray(this.#end, this.#limit);
  }

  /** Take `n` bytes written into {@link space}; emits every chunk now decided. */
  commit(n: number, onChunk: OnChunk): void {
    this.#checkOpen();
    if (!Number.isSafeInteger(n) || n < 0 || this.#end + n > this.#limit) {
      throw new RangeError("commit() of more bytes than space() gave");
    }
    this.#end += n;
    while (this.#end - this.#start >= this.params.max) this.#emit(onChunk);
  }

  /** Take a copy of `data`; emits every chunk now decided. */
  push(data: Uint8Array, onChunk: OnChunk): void {
    for (let at = 0; at < data.length;) {
      const room = this.space();
      const n = Math.min(room.length, data.length - at);
      room.set(data.subarray(at, at + n));
      this.commit(n, onChunk);
      at += n;
    }
  }

  /** End of stream: emits the remaining chunks. An empty stream has none. */
  finish(onChunk: OnChunk): void {
    this.#checkOpen();
    this.#finished = true;
    while (this.#end > this.#start) this.#emit(onChunk);
  }

  /** Start a new stream with the same parameters and seed (reuses the memory). */
  reset(): void {
    this.#start = this.#end = WASM_DATA_OFFSET;
    this.#offset = 0;
    this.#finished = false;
  }

  /**
   * The 64-bit gear hash at the last cut, as the reference reports it
   * (0 for a tail no longer than the minimum). For tests; not hot.
   */
  lastGearHash(): bigint {
    return this.#view.getBigUint64(WASM_LAYOUT.hash, true);
  }

  #checkOpen(): void {
    if (this.#finished) throw new Error("Chunker used after finish()");
  }

  #emit(onChunk: OnChunk): void {
    const length = this.#cutLength();
    const bytes = this.#mem.subarray(this.#start, this.#start + length);
    const offset = this.#offset;
    this.#start += length;
    this.#offset += length;
    onChunk(bytes, offset);
  }

  /** The reference `cut` over the buffered bytes (at most `max` of them). */
  #cutLength(): number {
    const { min, avg, max } = this.params;
    let remaining = this.#end - this.#start;
    if (remaining <= min) {
      this.#view.setBigUint64(WASM_LAYOUT.hash, 0n, true);
      return remaining;
    }
    let center = avg;
    if (remaining > max) remaining = max;
    else if (remaining < center) center = remaining;
    const s = this.#start;
    const at = this.#cut(s + (min >>> 1) * 2, s + (center >>> 1) * 2, s + (remaining >>> 1) * 2);
    return at < 0 ? remaining : at - s;
  }
}
