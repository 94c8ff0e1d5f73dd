/**
 * @module wasm_encode
 * The few pieces of the WebAssembly binary format that mycel's hand-written
 * modules (the FastCDC cut loop, the BLAKE3 kernel) are assembled from:
 * LEB128 numbers, vectors, sections, names and the opcodes they use.
 * Pure. Opcode values are the core spec's binary format (SIMD: the fixed-
 * width SIMD proposal, merged into the core spec 2.0).
 */

/** Unsigned LEB128 of a non-negative 32-bit `n`. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit `n` (what `i32.const` takes). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

/** A vector: its length, then its items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A section: id, byte length, body. */
export const section = (
  id: number,
  body: number[],
): number[] => [id, ...uleb(body.length), ...body];
/** A name: UTF-8 bytes with their length. */
export const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];

/** Magic and version 1. */
export const WASM_HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/** Value and block types. */
export const T = { i32: 0x7f, i64: 0x7e, v128: 0x7b, void: 0x40 } as const;

/** Scalar opcodes. */
export const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i32Add: 0x6a,
  i32Or: 0x72,
  i32Shl: 0x74,
  i64Add: 0x7c,
  i64And: 0x83,
  i64Shl: 0x86,
} as const;

/** SIMD opcodes, each with its 0xfd prefix and LEB128 sub-opcode. */
export const SIMD = {
  load: [0xfd, 0x00],
  store: [0xfd, 0x0b],
  const: [0xfd, 0x0c],
  shuffle: [0xfd, 0x0d],
  i32x4Splat: [0xfd, 0x11],
  or: [0xfd, 0x50],
  xor: [0xfd, 0x51],
  i32x4Shl: [0xfd, ...uleb(0xab)],
  i32x4ShrU: [0xfd, ...uleb(0xad)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  i32x4Mul: [0xfd, ...uleb(0xb5)],
} as const;

/** `(module (import "m" "mem" (memory 1)) (func …) (export name (func 0)))`. */
export function oneFunctionModule(
  exportName: string,
  params: number[],
  results: number[],
  body: number[],
): Uint8Array {
  const type = [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
  const importMem = [...name("m"), ...name("mem"), 0x02, 0x00, 0x01];
  return new Uint8Array([
    ...WASM_HEADER,
    ...section(1, vec([type])),
    ...section(2, vec([importMem])),
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name(exportName), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}
