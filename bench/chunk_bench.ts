/**
 * @module chunk_bench
 * Chunking throughput, side by side in one run (MB/s, median and best run, on
 * 256 MiB of incompressible pseudo-random bytes already in memory):
 * - "cut wasm": the shipped cutter (src/files/chunker.ts, wasm i64 loop),
 *   including the copy of the input into its buffer (a scan reads files
 *   straight into that buffer instead);
 * - "cut js": the same algorithm in pure JS, the 64-bit hash as two 32-bit
 *   halves with a branch-free carry (the best pure-JS form found; the
 *   baseline the wasm loop has to beat clearly to be worth shipping);
 * - "blake3": mycel's BLAKE3-256 alone (four-lane SIMD wasm, src/files/blake3.ts)
 *   over 1 MiB pieces, and hash-wasm's scalar build beside it (what mycel
 *   used before; the differential tests' reference);
 * - "chunk+hash wasm": ContentChunker — cut + BLAKE3 per chunk, what a scan
 *   does per byte (target ≥ 400 MB/s);
 * - "chunk+hash js": the JS cutter + BLAKE3 per chunk.
 * Both cutters must give identical cut points on the data (checked first).
 * Each line shows the median and best wall-clock rate and the median rate
 * per CPU-second of this process (the algorithm's cost, less sensitive to
 * other load on a shared machine; equal to wall-clock when the machine is
 * idle, as everything here runs on one thread).
 *
 *     deno run -A bench/chunk_bench.ts [MiB] [runs]
 */

import { cpuUsage } from "node:process";
import { createBLAKE3 } from "hash-wasm";
import { loadBlake3 } from "../src/files/chunk_hash.ts";
import { type ChunkParams, cutMasks, DEFAULT_CHUNK_PARAMS } from "../src/files/chunk_params.ts";
import { Chunker } from "../src/files/chunker.ts";
import { ContentChunker } from "../src/files/content_chunker.ts";
import { gearTables } from "../src/files/gear_table.ts";
import { pseudoRandomBytes } from "../tests/files/helpers.ts";

const MIB = 1 << 20;
const size = Number(Deno.args[0] ?? 256) * MIB;
const runs = Number(Deno.args[1] ?? 7);
const SEED = 0x5eed_1234_abcdn;

/** Pure-JS cutter: the reference loop with the hash as 32-bit halves. */
function jsCutter(params: ChunkParams, seed: bigint) {
  const { gear, gearLs } = gearTables(seed);
  const half = (t: BigUint64Array, hi: boolean) =>
    Int32Array.from(t, (v) => Number(hi ? v >> 32n : v & 0xffffffffn) | 0);
  const gLo = half(gear, false), gHi = half(gear, true);
  const lLo = half(gearLs, false), lHi = half(gearLs, true);
  const { small, large } = cutMasks(params);
  const m = (v: bigint, hi: boolean) => Number(hi ? (v >> 32n) & 0xffffffffn : v & 0xffffffffn) | 0;
  const sLo = m(small, false), sHi = m(small, true), sLsLo = m(small << 1n, false);
  const sLsHi = m(small << 1n, true), bLo = m(large, false), bHi = m(large, true);
  const bLsLo = m(large << 1n, false), bLsHi = m(large << 1n, true);
  const { min, avg, max } = params;
  return function cut(src: Uint8Array, start: number, end: number): number {
    let remaining = end - start;
    if (remaining <= min) return remaining;
    let center = avg;
    if (remaining > max) remaining = max;
    else if (remaining < center) center = remaining;
    let lo = 0, hi = 0;
    let a = start + (min >>> 1) * 2;
    for (let phase = 0; phase < 2; phase++) {
      const stop = start + ((phase === 0 ? center : remaining) >>> 1) * 2;
      const mLsLo = phase === 0 ? sLsLo : bLsLo, mLsHi = phase === 0 ? sLsHi : bLsHi;
      const mLo = phase === 0 ? sLo : bLo, mHi = phase === 0 ? sHi : bHi;
      for (; a < stop; a += 2) {
        let b = src[a];
        hi = (hi << 2) | (lo >>> 30);
        lo = lo << 2;
        let add = lLo[b];
        let s = (lo + add) | 0;
        hi = (hi + lHi[b] + (((lo & add) | ((lo | add) & ~s)) >>> 31)) | 0;
        lo = s;
        if ((lo & mLsLo) === 0 && (hi & mLsHi) === 0) return a - start;
        b = src[a + 1];
        add = gLo[b];
        s = (lo + add) | 0;
        hi = (hi + gHi[b] + (((lo & add) | ((lo | add) & ~s)) >>> 31)) | 0;
        lo = s;
        if ((lo & mLo) === 0 && (hi & mHi) === 0) return a + 1 - start;
      }
    }
    return remaining;
  };
}

function jsChunks(data: Uint8Array, params: ChunkParams, seed: bigint): number[] {
  const cut = jsCutter(params, seed);
  const out: number[] = [];
  for (let at = 0; at < data.length;) {
    const n = cut(data, at, data.length);
    out.push(n);
    at += n;
  }
  return out;
}

function wasmChunks(data: Uint8Array, params: ChunkParams, seed: bigint): number[] {
  const out: number[] = [];
  const c = new Chunker(params, seed);
  const on = (b: Uint8Array) => out.push(b.length);
  c.push(data, on);
  c.finish(on);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** CPU time of this process so far (user + system), ms. */
function cpuMs(): number {
  const u = cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(label: string, fn: () => void): number {
  fn(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    fn();
    cpu.push(cpuMs() - c0);
    wall.push(performance.now() - t0);
  }
  const rate = (ms: number) => (size / 1e6 / (ms / 1000)).toFixed(0).padStart(6);
  console.log(
    `${label.padEnd(34)} ${rate(median(wall))} MB/s median ${rate(Math.min(...wall))} best ` +
      `${rate(median(cpu))} per CPU-s`,
  );
  return size / 1e6 / (median(wall) / 1000);
}

const data = pseudoRandomBytes(size, 0x9e3779b9);
const blake3 = await loadBlake3();
const hashWasm = await createBLAKE3(256);
console.log(`${size / MIB} MiB pseudo-random, median of ${runs} runs, Deno ${Deno.version.deno}`);

for (
  const params of [
    DEFAULT_CHUNK_PARAMS,
    { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024, normalization: 1 } as const,
  ]
) {
  const a = wasmChunks(data, params, SEED);
  const b = jsChunks(data, params, SEED);
  if (a.join() !== b.join()) throw new Error("wasm and js cutters disagree");
  console.log(
    `\nparams ${params.min / 1024}K/${params.avg / 1024}K/${
      params.max / 1024
    }K level ${params.normalization}: ${a.length} chunks, mean ${
      (size / a.length / 1024).toFixed(0)
    } KiB`,
  );
  const cutWasm = measure("cut wasm", () => wasmChunks(data, params, SEED));
  const cutJs = measure("cut js (32-bit halves)", () => jsChunks(data, params, SEED));
  const b3 = measure("blake3 alone (1 MiB pieces)", () => {
    for (let at = 0; at < size; at += MIB) blake3(data.subarray(at, at + MIB));
  });
  const b3Old = measure("blake3 hash-wasm (1 MiB pieces)", () => {
    for (let at = 0; at < size; at += MIB) {
      hashWasm.init();
      hashWasm.update(data.subarray(at, at + MIB));
      hashWasm.digest("hex");
    }
  });
  const cc = await ContentChunker.create(params, SEED);
  const full = measure("chunk+hash wasm (ContentChunker)", () => {
    cc.reset();
    cc.push(data);
    if (cc.finish().length !== a.length) throw new Error("chunk count changed");
  });
  const fullJs = measure("chunk+hash js", () => {
    const cut = jsCutter(params, SEED);
    for (let at = 0; at < size;) {
      const n = cut(data, at, size);
      blake3(data.subarray(at, at + n));
      at += n;
    }
  });
  console.log(
    `ratios: cut wasm/js ${(cutWasm / cutJs).toFixed(2)}x, chunk+hash wasm/js ${
      (full / fullJs).toFixed(2)
    }x, chunk+hash/blake3 ${(full / b3).toFixed(2)}, blake3 mycel/hash-wasm ${
      (b3 / b3Old).toFixed(2)
    }x`,
  );
}
