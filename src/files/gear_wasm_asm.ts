/**
 * @module gear_wasm_asm
 * Assembles, byte by byte, the small WebAssembly module that runs FastCDC's
 * cut loop with native 64-bit arithmetic. Pure JS has no 64-bit integers
 * without BigInt, and two 32-bit halves with a carry ran at under half the
 * speed (docs/chunking.md), so this one loop lives in wasm.
 *
 * The module imports its memory as `m.mem` and exports one function,
 * `cut(p, e1, e2) -> i32`. Memory layout (little-endian u64s):
 * `[0, 2048)` GEAR, `[2048, 4096)` GEAR_LS, 4096 mask_s, 4104 mask_l,
 * 4112 mask_s << 1, 4120 mask_l << 1, 4128 the hash when `cut` returns;
 * data from {@link WASM_DATA_OFFSET} on. `cut` rolls two bytes a step from
 * `p` (even distance from the chunk start): with the small masks while
 * `p < e1`, then the large ones while `p < e2`, and returns the cut position
 * (the reference's `a` or `a + 1`), or -1 when it reached `e2` without one.
 *
 * Pure. The embedded copy is `gear_wasm_bytes.ts`; regenerate it with
 * `deno run --allow-write=src/files src/files/wasm_gen.ts` (a test
 * checks that the two agree).
 */

import { oneFunctionModule, OP, sleb, T, uleb, vec } from "./wasm_encode.ts";

/** Where chunk data starts in the module's memory. */
export const WASM_DATA_OFFSET = 8192;
/** Offsets of the tables, masks and hash output in memory. */
export const WASM_LAYOUT = {
  gear: 0,
  gearLs: 2048,
  maskS: 4096,
  maskL: 4104,
  maskSLs: 4112,
  maskLLs: 4120,
  hash: 4128,
} as const;

const I32 = T.i32, I64 = T.i64, VOID = T.void;
const { block: BLOCK, loop: LOOP, if: IF, end: END, br: BR, brIf: BR_IF, return: RETURN } = OP;
const { localGet: LOCAL_GET, localSet: LOCAL_SET, localTee: LOCAL_TEE } = OP;
const { i64Load: I64_LOAD, i32Load8U: I32_LOAD8_U, i64Store: I64_STORE } = OP;
const { i32Const: I32_CONST, i64Const: I64_CONST, i32GeU: I32_GE_U, i64Eqz: I64_EQZ } = OP;
const { i32Add: I32_ADD, i32Shl: I32_SHL, i64Add: I64_ADD, i64And: I64_AND, i64Shl: I64_SHL } = OP;

// Locals: params p, e1, e2; then hash and the four masks.
const P = 0, E1 = 1, E2 = 2, HASH = 3, MS = 4, ML = 5, MS_LS = 6, ML_LS = 7;

const get = (i: number) => [LOCAL_GET, i];
const i64Load = (offset: number) => [I64_LOAD, 3, ...uleb(offset)];
const load8 = (offset: number) => [I32_LOAD8_U, 0, ...uleb(offset)];
const storeHash = [I32_CONST, 0, ...get(HASH), I64_STORE, 3, ...uleb(WASM_LAYOUT.hash)];

/** `hash = (hash << shift) + table[mem[p + at]]`; leaves hash on the stack. */
function roll(shift: number, table: number, at: number): number[] {
  const withShift = shift === 0 ? get(HASH) : [...get(HASH), I64_CONST, shift, I64_SHL];
  return [
    ...withShift,
    ...get(P),
    ...load8(at),
    I32_CONST,
    3,
    I32_SHL,
    ...i64Load(table),
    I64_ADD,
    LOCAL_TEE,
    HASH,
  ];
}

/** `if ((hash & mask) == 0) { store hash; return p + at }`, hash on the stack. */
function cutIfZero(mask: number, at: number): number[] {
  const ret = at === 0 ? get(P) : [...get(P), I32_CONST, at, I32_ADD];
  return [...get(mask), I64_AND, I64_EQZ, IF, VOID, ...storeHash, ...ret, RETURN, END];
}

/** One phase: two bytes a step while p < end. */
function phase(end: number, maskLs: number, mask: number): number[] {
  return [
    BLOCK,
    VOID,
    LOOP,
    VOID,
    ...get(P),
    ...get(end),
    I32_GE_U,
    BR_IF,
    1,
    ...roll(2, WASM_LAYOUT.gearLs, 0),
    ...cutIfZero(maskLs, 0),
    ...roll(0, WASM_LAYOUT.gear, 1),
    ...cutIfZero(mask, 1),
    ...get(P),
    I32_CONST,
    2,
    I32_ADD,
    LOCAL_SET,
    P,
    BR,
    0,
    END,
    END,
  ];
}

/** The module's bytes. */
export function assembleGearWasm(): Uint8Array {
  const loadMask = (offset: number, local: number) => [
    I32_CONST,
    0,
    ...i64Load(offset),
    LOCAL_SET,
    local,
  ];
  const body = [
    ...vec([[5, I64]]),
    ...loadMask(WASM_LAYOUT.maskS, MS),
    ...loadMask(WASM_LAYOUT.maskL, ML),
    ...loadMask(WASM_LAYOUT.maskSLs, MS_LS),
    ...loadMask(WASM_LAYOUT.maskLLs, ML_LS),
    ...phase(E1, MS_LS, MS),
    ...phase(E2, ML_LS, ML),
    ...storeHash,
    I32_CONST,
    ...sleb(-1),
    END,
  ];
  return oneFunctionModule("cut", [I32, I32, I32], [I32], body);
}
