/**
 * @module blake3
 * BLAKE3-256 (unkeyed hash mode) over the four-lane SIMD kernel of
 * blake3_wasm_asm.ts. Pure, synchronous, one instance per process or worker.
 *
 * Invariants:
 * - Memory is fixed: one 1 MiB segment of input at a time plus its chaining
 *   values, whatever the input's length.
 * - The tree is the specification's: 1024-byte chunks whose counters are
 *   their index in the whole input, a left subtree of the largest power of
 *   two chunks, ROOT on the last compression only. A segment is 1024 chunks,
 *   so every segment but the last is a complete subtree; their chaining
 *   values merge on a stack, the way the reference merges chunks.
 * - Chunk counters have a high word of 0: right below 2^32 chunks (4 TiB),
 *   far above any chunk or manifest blob this hashes (16 MiB at most).
 */

import { toHex } from "../bytes.ts";
import { FLAG } from "./blake3_wasm_asm.ts";
import { BLAKE3_WASM_BASE64 } from "./blake3_wasm_bytes.ts";

const CHUNK = 1024;
const SEGMENT = 1024 * CHUNK;
/** Two chaining values in, one out (parents off the segment tree). */
const PAIR_AT = 0, PAIR_OUT = 64;
/** Chaining values of one segment's chunks, with room for three idle lanes' reads. */
const CVS_AT = 1024, CVS_BYTES = (SEGMENT / CHUNK) * 32 + 1024;
/** Segment data, with room for three idle lanes' reads past it. */
const DATA_AT = 64 * 1024, DATA_BYTES = SEGMENT + 4 * CHUNK;

type Hash4 = (
  inp: number,
  stride: number,
  blocks: number,
  ctr: number,
  ctrInc: number,
  flags: number,
  fStart: number,
  fEnd: number,
  lastLen: number,
  out: number,
  lanes: number,
) => void;

if (CVS_AT + CVS_BYTES > DATA_AT) throw new Error("blake3 memory layout overlaps");

// Compiled once per process or worker; null where it cannot be (no SIMD).
let wasmModule: WebAssembly.Module | null | undefined;

function blake3Module(): WebAssembly.Module | null {
  if (wasmModule === undefined) {
    try {
      wasmModule = new WebAssembly.Module(Uint8Array.fromBase64(BLAKE3_WASM_BASE64));
    } catch (e) {
      if (!(e instanceof WebAssembly.CompileError)) throw e;
      wasmModule = null;
    }
  }
  return wasmModule;
}

/** False where this runtime has no wasm SIMD (V8 on x86-64 without SSE4.1). */
export function simdAvailable(): boolean {
  return blake3Module() !== null;
}

/** One BLAKE3 hasher: its own wasm memory; calls must not interleave (they are synchronous). */
export class Blake3Hasher {
  readonly #mem: Uint8Array;
  readonly #hash4: Hash4;

  constructor() {
    const module = blake3Module();
    if (module === null) throw new Error("this runtime has no wasm SIMD (see simdAvailable)");
    const memory = new WebAssembly.Memory({ initial: Math.ceil((DATA_AT + DATA_BYTES) / 65536) });
    const instance = new WebAssembly.Instance(module, { m: { mem: memory } });
    this.#hash4 = instance.exports.hash4 as Hash4;
    this.#mem = new Uint8Array(memory.buffer);
  }

  /** BLAKE3-256 of `bytes`, 32 bytes. */
  digest(bytes: Uint8Array): Uint8Array {
    const segments = Math.max(1, Math.ceil(bytes.length / SEGMENT));
    if (segments === 1) return this.#segment(bytes, 0, true).slice();
    const stack: Uint8Array[] = [];
    for (let s = 0; s < segments - 1; s++) {
      stack.push(this.#segment(bytes.subarray(s * SEGMENT, (s + 1) * SEGMENT), s, false).slice());
      for (let done = s + 1; (done & 1) === 0; done >>= 1) {
        const right = stack.pop()!, left = stack.pop()!;
        stack.push(this.#parent(left, right, false).slice());
      }
    }
    let cv = this.#segment(bytes.subarray((segments - 1) * SEGMENT), segments - 1, false).slice();
    while (stack.length > 0) cv = this.#parent(stack.pop()!, cv, stack.length === 0).slice();
    return cv;
  }

  /** BLAKE3-256 of `bytes` as 64 lower-case hex digits. */
  hex(bytes: Uint8Array): string {
    return toHex(this.digest(bytes));
  }

  /** Chaining value (or the root hash) of segment `index`; a view into memory. */
  #segment(data: Uint8Array, index: number, root: boolean): Uint8Array {
    const mem = this.#mem, hash4 = this.#hash4;
    const len = data.length;
    mem.set(data, DATA_AT);
    // The last block is zero-padded; an empty input is one block of zeros.
    mem.fill(0, DATA_AT + len, DATA_AT + Math.max(1, Math.ceil(len / 64)) * 64);
    const first = index * (SEGMENT / CHUNK);
    const rootFlag = root ? FLAG.root : 0;
    const chunks = Math.max(1, Math.ceil(len / CHUNK));
    const whole = len % CHUNK === 0 ? len / CHUNK : chunks - 1;
    for (let i = 0; i < whole && chunks > 1; i += 4) {
      const lanes = Math.min(4, whole - i);
      hash4(
        DATA_AT + i * CHUNK,
        CHUNK,
        16,
        first + i,
        1,
        0,
        FLAG.chunkStart,
        FLAG.chunkEnd,
        64,
        CVS_AT + 32 * i,
        lanes,
      );
    }
    if (chunks === 1 || whole < chunks) {
      const at = chunks === 1 ? 0 : whole;
      const rest = len - at * CHUNK;
      const blocks = Math.max(1, Math.ceil(rest / 64));
      const fEnd = FLAG.chunkEnd | (chunks === 1 ? rootFlag : 0);
      hash4(
        DATA_AT + at * CHUNK,
        CHUNK,
        blocks,
        first + at,
        0,
        0,
        FLAG.chunkStart,
        fEnd,
        rest - 64 * (blocks - 1),
        CVS_AT + 32 * at,
        1,
      );
    }
    let n = chunks;
    while (n > 2) {
      const pairs = n >> 1;
      for (let j = 0; j < pairs; j += 4) {
        hash4(
          CVS_AT + 64 * j,
          64,
          1,
          0,
          0,
          FLAG.parent,
          0,
          0,
          64,
          CVS_AT + 32 * j,
          Math.min(4, pairs - j),
        );
      }
      if (n & 1) mem.copyWithin(CVS_AT + 32 * pairs, CVS_AT + 32 * (n - 1), CVS_AT + 32 * n);
      n = pairs + (n & 1);
    }
    if (n === 2) hash4(CVS_AT, 64, 1, 0, 0, FLAG.parent | rootFlag, 0, 0, 64, CVS_AT, 1);
    return mem.subarray(CVS_AT, CVS_AT + 32);
  }

  #parent(left: Uint8Array, right: Uint8Array, root: boolean): Uint8Array {
    this.#mem.set(left, PAIR_AT);
    this.#mem.set(right, PAIR_AT + 32);
    const flags = FLAG.parent | (root ? FLAG.root : 0);
    this.#hash4(PAIR_AT, 64, 1, 0, 0, flags, 0, 0, 64, PAIR_OUT, 1);
    return this.#mem.subarray(PAIR_OUT, PAIR_OUT + 32);
  }
}
