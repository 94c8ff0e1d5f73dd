/**
 * @module gear_table
 * The constants of FastCDC 2020 (Xia et al.), as the reference implementation
 * nlfiedler/fastcdc-rs (MIT) defines them, so our cut points match its test
 * vectors:
 * - GEAR[i] = the first 8 bytes (big-endian) of MD5(64 bytes of value i) —
 *   computed here, not copied; GEAR_LS[i] = GEAR[i] << 1 (mod 2^64).
 * The masks live in gear_masks.ts (chunk parameters need them without MD5).
 * A seed (per folder: chunk_key.ts) is XORed into every GEAR value and `seed << 1` into every
 * GEAR_LS value (as fastcdc-rs does), which keeps GEAR_LS = GEAR << 1.
 *
 * The tables are built on first use, not at load; the hot loop never sees
 * BigInt.
 */

import { md5 } from "@noble/hashes/legacy.js";

const U64 = (1n << 64n) - 1n;

function buildGear(): BigUint64Array {
  const gear = new BigUint64Array(256);
  for (let i = 0; i < 256; i++) {
    const digest = md5(new Uint8Array(64).fill(i));
    gear[i] = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, false);
  }
  return gear;
}

let gearCache: BigUint64Array | undefined;

/**
 * The unseeded GEAR table, built on first use: 256 MD5s cost about 10 ms in a
 * cold process, which every command would otherwise pay at start-up because
 * the chunking parameters are reachable from the log's op codecs.
 */
export function unseededGear(): BigUint64Array {
  return gearCache ??= buildGear();
}

/** GEAR and GEAR_LS for one seed (0 = the reference tables). */
export interface GearTables {
  /** GEAR[i] ^ seed. */
  readonly gear: BigUint64Array;
  /** (GEAR[i] << 1) ^ (seed << 1), mod 2^64. */
  readonly gearLs: BigUint64Array;
}

/** Build the tables for `seed` (an unsigned 64-bit value). */
export function gearTables(seed: bigint): GearTables {
  if (seed < 0n || seed > U64) throw new RangeError("gear seed must be an unsigned 64-bit value");
  const gear = new BigUint64Array(256);
  const gearLs = new BigUint64Array(256);
  const seedLs = (seed << 1n) & U64;
  const GEAR = unseededGear();
  for (let i = 0; i < 256; i++) {
    gear[i] = GEAR[i] ^ seed;
    gearLs[i] = ((GEAR[i] << 1n) & U64) ^ seedLs;
  }
  return { gear, gearLs };
}
