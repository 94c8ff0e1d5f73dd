/**
 * @module blake3_wasm_round
 * The BLAKE3 kernel's locals (blake3_wasm_asm.ts) and its seven rounds,
 * unrolled: the state is 16 vectors `V..V+15`, the message 16 vectors
 * `M..M+15` (word i of four inputs each), and the message permutation is
 * applied while assembling, so the code indexes the permuted words directly.
 * Rotations by 16 and 8 are byte shuffles; by 12 and 7 two shifts and an or
 * (wasm SIMD has no rotate). Pure.
 */

import { OP, SIMD, sleb, uleb } from "./wasm_encode.ts";

const PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

// Locals: 11 i32 parameters, 7 i32 locals, then 50 v128 locals.
export const INP = 0, STRIDE = 1, BLOCKS = 2, CTR = 3, CTR_INC = 4, FLAGS = 5, F_START = 6;
export const F_END = 7, LAST_LEN = 8, OUT = 9, LANES = 10;
export const B = 11, BF = 12, BL = 13, A0 = 14; // A0..A3: the four lanes' block addresses
export const V = 18, M = 34, H = 50, R = 58, TT = 62, CTRV = 66, TMP = 67;

export const get = (i: number) => [OP.localGet, ...uleb(i)];
export const set = (i: number) => [OP.localSet, ...uleb(i)];
export const tee = (i: number) => [OP.localTee, ...uleb(i)];
export const i32 = (n: number) => [OP.i32Const, ...sleb(n)];
export const memarg = (offset: number) => [0, ...uleb(offset)];

/** Rotate every 32-bit lane right by 8 or 16: a byte shuffle of one vector with itself. */
function rotBytes(n: 8 | 16): number[] {
  const k = n / 8;
  const lanes = [0, 1, 2, 3].flatMap((l) => [0, 1, 2, 3].map((j) => 4 * l + ((j + k) % 4)));
  return [...SIMD.shuffle, ...lanes];
}

/** `x = rotr(x ^ y, n)` on locals. */
function xorRot(x: number, y: number, n: number): number[] {
  const xored = [...get(x), ...get(y), ...SIMD.xor];
  if (n === 8 || n === 16) return [...xored, ...tee(x), ...get(x), ...rotBytes(n), ...set(x)];
  return [
    ...xored,
    ...tee(TMP),
    ...i32(n),
    ...SIMD.i32x4ShrU,
    ...get(TMP),
    ...i32(32 - n),
    ...SIMD.i32x4Shl,
    ...SIMD.or,
    ...set(x),
  ];
}
const addInto = (x: number, ...ys: number[]) => [
  ...get(x),
  ...ys.flatMap((y) => [...get(y), ...SIMD.i32x4Add]),
  ...set(x),
];

function g(a: number, b: number, c: number, d: number, mx: number, my: number): number[] {
  [a, b, c, d] = [V + a, V + b, V + c, V + d];
  return [
    ...addInto(a, b, M + mx),
    ...xorRot(d, a, 16),
    ...addInto(c, d),
    ...xorRot(b, c, 12),
    ...addInto(a, b, M + my),
    ...xorRot(d, a, 8),
    ...addInto(c, d),
    ...xorRot(b, c, 7),
  ];
}

export function rounds(): number[] {
  const out: number[] = [];
  let s = [...Array(16).keys()];
  for (let r = 0; r < 7; r++) {
    out.push(
      ...g(0, 4, 8, 12, s[0], s[1]),
      ...g(1, 5, 9, 13, s[2], s[3]),
      ...g(2, 6, 10, 14, s[4], s[5]),
      ...g(3, 7, 11, 15, s[6], s[7]),
      ...g(0, 5, 10, 15, s[8], s[9]),
      ...g(1, 6, 11, 12, s[10], s[11]),
      ...g(2, 7, 8, 13, s[12], s[13]),
      ...g(3, 4, 9, 14, s[14], s[15]),
    );
    s = PERMUTATION.map((p) => s[p]);
  }
  return out;
}
