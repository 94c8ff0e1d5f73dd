/**
 * @module fastcdc_reference
 * A deliberately plain FastCDC 2020 cutter for the tests: the reference loop
 * (fastcdc-rs `v2020::cut`) written with BigInt over a whole in-memory
 * buffer. Slow, obviously correct; the wasm cutter must agree with it.
 */

import type { ChunkParams } from "../../src/files/chunk_params.ts";
import { cutMasks } from "../../src/files/chunk_params.ts";
import { gearTables } from "../../src/files/gear_table.ts";

const U64 = (1n << 64n) - 1n;

/** One chunk as the reference reports it. */
export interface RefChunk {
  offset: number;
  length: number;
  gearHash: bigint;
}

/** Cut `data` the reference way. */
export function referenceChunks(data: Uint8Array, p: ChunkParams, seed: bigint): RefChunk[] {
  const { gear, gearLs } = gearTables(seed);
  const { small, large } = cutMasks(p);
  const smallLs = (small << 1n) & U64, largeLs = (large << 1n) & U64;
  const out: RefChunk[] = [];
  let offset = 0;
  while (offset < data.length) {
    const src = data.subarray(offset);
    let remaining = src.length;
    let hash = 0n;
    let length = -1;
    if (remaining <= p.min) {
      length = remaining;
    } else {
      let center = p.avg;
      if (remaining > p.max) remaining = p.max;
      else if (remaining < center) center = remaining;
      let index = Math.floor(p.min / 2);
      for (
        const [stop, m, mLs] of [[center, small, smallLs], [remaining, large, largeLs]] as const
      ) {
        while (length < 0 && index < Math.floor(stop / 2)) {
          const a = index * 2;
          hash = ((hash << 2n) + gearLs[src[a]]) & U64;
          if ((hash & mLs) === 0n) {
            length = a;
            break;
          }
          hash = (hash + gear[src[a + 1]]) & U64;
          if ((hash & m) === 0n) {
            length = a + 1;
            break;
          }
          index++;
        }
      }
      if (length < 0) length = remaining;
    }
    out.push({ offset, length, gearHash: hash });
    offset += length;
  }
  return out;
}
