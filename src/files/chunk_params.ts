/**
 * @module chunk_params
 * FastCDC parameters: minimum, average and maximum chunk size and the
 * normalization level, checked against the reference limits, plus the masks
 * they select. The defaults are measured (see docs/chunking.md): every device
 * of a mesh must use the same parameters and seed, or the same content gets
 * different chunks and nothing dedups across devices (it still syncs).
 */

import { ExitCode, MycelError } from "../errors.ts";
import { MAX_CHUNK_BYTES, MIN_CHUNK_FLOOR } from "../log/chunk_list.ts";
import { MASKS } from "./gear_masks.ts";

/** How content is cut into chunks. */
export interface ChunkParams {
  /** No chunk but a file's last is shorter (64 B – 1 MiB). */
  readonly min: number;
  /** Target average (256 B – 4 MiB). */
  readonly avg: number;
  /** No chunk is longer (1 KiB – 16 MiB). */
  readonly max: number;
  /** Normalized chunking level 0–3 (1 is the reference default). */
  readonly normalization: 0 | 1 | 2 | 3;
}

/** Defaults: 64 KiB / 256 KiB / 1 MiB, level 1 — measured, see docs/chunking.md. */
export const DEFAULT_CHUNK_PARAMS: ChunkParams = {
  min: 64 * 1024,
  avg: 256 * 1024,
  max: 1024 * 1024,
  normalization: 1,
};

/** The two masks the cut loop tests (it also tests each shifted left by one). */
export interface CutMasks {
  /** Before the average: the harder mask (more bits). */
  readonly small: bigint;
  /** After the average: the easier mask. */
  readonly large: bigint;
}

function bad(reason: string, value: string): MycelError {
  return new MycelError("bad_chunk_params", "use chunk sizes", reason, {
    value,
    exit: ExitCode.usage,
  });
}

function inRange(n: number, lo: number, hi: number): boolean {
  return Number.isSafeInteger(n) && n >= lo && n <= hi;
}

/**
 * Check parameters; returns them.
 * @throws MycelError `bad_chunk_params`
 */
export function checkChunkParams(p: ChunkParams): ChunkParams {
  const shown = `${p.min}/${p.avg}/${p.max} level ${p.normalization}`;
  if (!inRange(p.min, MIN_CHUNK_FLOOR, 1 << 20)) {
    throw bad("the minimum must be 64 B – 1 MiB", shown);
  }
  if (!inRange(p.avg, 256, 4 << 20)) throw bad("the average must be 256 B – 4 MiB", shown);
  if (!inRange(p.max, 1024, MAX_CHUNK_BYTES)) {
    throw bad("the maximum must be 1 KiB – 16 MiB", shown);
  }
  if (!(p.min <= p.avg && p.avg <= p.max)) throw bad("need minimum ≤ average ≤ maximum", shown);
  if (![0, 1, 2, 3].includes(p.normalization)) throw bad("normalization must be 0–3", shown);
  return p;
}

/** The masks for `p` (log2 of the average, rounded, ± the level). */
export function cutMasks(p: ChunkParams): CutMasks {
  const bits = Math.round(Math.log2(p.avg));
  return { small: MASKS[bits + p.normalization], large: MASKS[bits - p.normalization] };
}
