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
 * `deno run --allow-write=src/files src/files/gear_wasm_gen.ts` (a test
 * checks that the two agree).
 */

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

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];

// Opcodes used (WebAssembly core spec, binary format).
const I32 = 0x7f, I64 = 0x7e, VOID = 0x40;
const BLOCK = 0x02, LOOP = 0x03, IF = 0x04, END = 0x0b, BR = 0x0c, BR_IF = 0x0d, RETURN = 0x0f;
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I64_LOAD = 0x29, I32_LOAD8_U = 0x2d, I64_STORE = 0x37, I32_CONST = 0x41, I64_CONST = 0x42;
const I32_GE_U = 0x4f, I64_EQZ = 0x50, I32_ADD = 0x6a, I32_SHL = 0x74;
const I64_ADD = 0x7c, I64_AND = 0x83, I64_SHL = 0x86;

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
    0x7f, // -1 as signed LEB128
    END,
  ];
  const typeCut = [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])];
  const importMem = [...name("m"), ...name("mem"), 0x02, 0x00, 0x01];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([typeCut])),
    ...section(2, vec([importMem])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name("cut"), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}
