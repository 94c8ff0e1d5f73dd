/**
 * @module blake3_wasm_asm
 * Assembles the BLAKE3 compression kernel: one wasm function that runs the
 * compression of four inputs at once, one per 32-bit lane of 128-bit SIMD
 * vectors (the layout of the reference's `hash_many`). hash-wasm's build is
 * scalar C and held folder sync to about 490 MiB/s per core (docs/chunking.md).
 *
 * `hash4(inp, stride, blocks, ctr, ctrInc, flags, fStart, fEnd, lastLen, out,
 * lanes)`: input `k` (k < 4) is `blocks` 64-byte blocks at `inp + k·stride`;
 * its counter is `ctr + k·ctrInc` (high word 0); every block gets `flags`,
 * the first also `fStart`, the last also `fEnd` and block length `lastLen`
 * (the others 64); the key is BLAKE3's IV. Writes the 32-byte chaining value
 * of input `k` at `out + 32k` for `k < lanes` only; the other lanes compute
 * on whatever memory is there, so their inputs must lie inside the memory.
 * Every block's message is read before anything is written, so `out` may
 * overlap the inputs as long as it does not run ahead of them (parents
 * reduced in place).
 *
 * Pure. The embedded copy is `blake3_wasm_bytes.ts`, written by
 * `deno run --allow-write=src/files src/files/wasm_gen.ts` (a test
 * checks that the two agree).
 */

import { oneFunctionModule, OP, SIMD, T, vec } from "./wasm_encode.ts";
import {
  A0,
  B,
  BF,
  BL,
  BLOCKS,
  CTR,
  CTR_INC,
  CTRV,
  F_END,
  F_START,
  FLAGS,
  get,
  H,
  i32,
  INP,
  LANES,
  LAST_LEN,
  M,
  memarg,
  OUT,
  R,
  rounds,
  set,
  STRIDE,
  tee,
  TT,
  V,
} from "./blake3_wasm_round.ts";

/** BLAKE3's IV (SHA-256's). */
export const BLAKE3_IV = [
  0x6a09e667,
  0xbb67ae85,
  0x3c6ef372,
  0xa54ff53a,
  0x510e527f,
  0x9b05688c,
  0x1f83d9ab,
  0x5be0cd19,
] as const;
/** Domain flags of the specification. */
export const FLAG = { chunkStart: 1, chunkEnd: 2, parent: 4, root: 8 } as const;

function splatConst(word: number): number[] {
  const b = [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24];
  return [...SIMD.const, ...b, ...b, ...b, ...b];
}

/** A shuffle of two vectors' 32-bit lanes (0–3 first, 4–7 second). */
function shuffle32(lanes: number[]): number[] {
  return [...SIMD.shuffle, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}
/** Transpose the 4×4 words of locals `rows` into locals `cols` (via TT..TT+3). */
function transpose(rows: number[], cols: number[]): number[] {
  const pair = (x: number, y: number, lanes: number[], to: number) => [
    ...get(x),
    ...get(y),
    ...shuffle32(lanes),
    ...set(to),
  ];
  return [
    ...pair(rows[0], rows[1], [0, 4, 1, 5], TT),
    ...pair(rows[0], rows[1], [2, 6, 3, 7], TT + 1),
    ...pair(rows[2], rows[3], [0, 4, 1, 5], TT + 2),
    ...pair(rows[2], rows[3], [2, 6, 3, 7], TT + 3),
    ...pair(TT, TT + 2, [0, 1, 4, 5], cols[0]),
    ...pair(TT, TT + 2, [2, 3, 6, 7], cols[1]),
    ...pair(TT + 1, TT + 3, [0, 1, 4, 5], cols[2]),
    ...pair(TT + 1, TT + 3, [2, 3, 6, 7], cols[3]),
  ];
}
const four = (base: number) => [base, base + 1, base + 2, base + 3];

/** Load block `B` of the four inputs as 16 message vectors (word i of lane k). */
function loadMessage(): number[] {
  const out = [...get(INP), ...get(B), ...i32(6), OP.i32Shl, OP.i32Add, ...set(A0)];
  for (let k = 1; k < 4; k++) {
    out.push(...get(A0 + k - 1), ...get(STRIDE), OP.i32Add, ...set(A0 + k));
  }
  for (let q = 0; q < 4; q++) {
    for (let k = 0; k < 4; k++) {
      out.push(...get(A0 + k), ...SIMD.load, ...memarg(16 * q), ...set(R + k));
    }
    out.push(...transpose(four(R), four(M + 4 * q)));
  }
  return out;
}

/** The last block gets `fEnd` and `lastLen`, the first `fStart`. */
function blockFlags(): number[] {
  const isLast = [...get(B), ...i32(1), OP.i32Add, ...get(BLOCKS), OP.i32Eq];
  return [
    ...get(FLAGS),
    ...get(F_START),
    ...i32(0),
    ...get(B),
    OP.i32Eqz,
    OP.select,
    OP.i32Or,
    ...get(F_END),
    ...i32(0),
    ...isLast,
    OP.select,
    OP.i32Or,
    ...set(BF),
    ...get(LAST_LEN),
    ...i32(64),
    ...isLast,
    OP.select,
    ...set(BL),
  ];
}

function compressBlock(): number[] {
  const out = [...blockFlags(), ...loadMessage()];
  for (let i = 0; i < 8; i++) out.push(...get(H + i), ...set(V + i));
  for (let i = 0; i < 4; i++) out.push(...splatConst(BLAKE3_IV[i]), ...set(V + 8 + i));
  out.push(...get(CTRV), ...set(V + 12), ...splatConst(0), ...set(V + 13));
  out.push(...get(BL), ...SIMD.i32x4Splat, ...set(V + 14));
  out.push(...get(BF), ...SIMD.i32x4Splat, ...set(V + 15));
  out.push(...rounds());
  for (let i = 0; i < 8; i++) {
    out.push(...get(V + i), ...get(V + 8 + i), ...SIMD.xor, ...set(H + i));
  }
  return out;
}

/** Store lane k's chaining value (words of locals `cols`) at out + 32k + at. */
function storeLanes(cols: number[], at: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < 4; k++) {
    const store = [...get(OUT), ...get(cols[k]), ...SIMD.store, ...memarg(32 * k + at)];
    if (k === 0) out.push(...store);
    else out.push(...get(LANES), ...i32(k), OP.i32GtU, OP.if, T.void, ...store, OP.end);
  }
  return out;
}

/** The module's bytes. */
export function assembleBlake3Wasm(): Uint8Array {
  const body = [
    ...vec([[7, T.i32], [50, T.v128]]),
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [...splatConst(BLAKE3_IV[i]), ...set(H + i)]),
    ...get(CTR),
    ...SIMD.i32x4Splat,
    ...SIMD.const,
    ...[0, 1, 2, 3].flatMap((k) => [k, 0, 0, 0]),
    ...get(CTR_INC),
    ...SIMD.i32x4Splat,
    ...SIMD.i32x4Mul,
    ...SIMD.i32x4Add,
    ...set(CTRV),
    ...i32(0),
    ...set(B),
    OP.loop,
    T.void,
    ...compressBlock(),
    ...get(B),
    ...i32(1),
    OP.i32Add,
    ...tee(B),
    ...get(BLOCKS),
    OP.i32LtU,
    OP.brIf,
    0,
    OP.end,
    ...transpose(four(H), four(R)),
    ...storeLanes(four(R), 0),
    ...transpose(four(H + 4), four(R)),
    ...storeLanes(four(R), 16),
    OP.end,
  ];
  return oneFunctionModule("hash4", Array(11).fill(T.i32), [], body);
}
