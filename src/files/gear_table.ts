/**
 * @module gear_table
 * The constants of FastCDC 2020 (Xia et al.), as the reference implementation
 * nlfiedler/fastcdc-rs (MIT) defines them, so our cut points match its test
 * vectors:
 * - GEAR[i] = the first 8 bytes (big-endian) of MD5(64 bytes of value i) —
 *   computed here, not copied; GEAR_LS[i] = GEAR[i] << 1 (mod 2^64).
 * - MASKS[bits]: the spread-bit masks of the C reference (destor) and
 *   restic's FastCDC, indexed by log2 of the wanted average (5..25 used).
 * A per-mesh seed is XORed into every GEAR value and `seed << 1` into every
 * GEAR_LS value (as fastcdc-rs does), which keeps GEAR_LS = GEAR << 1.
 *
 * BigInt appears only here, when tables are built; the hot loop never sees it.
 */

import { md5 } from "@noble/hashes/legacy.js";

const U64 = (1n << 64n) - 1n;

/** Normalized-chunking masks by number of bits (0–4 unused). */
export const MASKS: readonly bigint[] = [
  0n,
  0n,
  0n,
  0n,
  0n,
  0x0000000001804110n,
  0x0000000001803110n,
  0x0000000018035100n,
  0x0000001800035300n,
  0x0000019000353000n,
  0x0000590003530000n,
  0x0000d90003530000n,
  0x0000d90103530000n,
  0x0000d90303530000n,
  0x0000d90313530000n,
  0x0000d90f03530000n,
  0x0000d90303537000n,
  0x0000d90703537000n,
  0x0000d90707537000n,
  0x0000d91707537000n,
  0x0000d91747537000n,
  0x0000d91767537000n,
  0x0000d93767537000n,
  0x0000d93777537000n,
  0x0000d93777577000n,
  0x0000db3777577000n,
];

function buildGear(): BigUint64Array {
  const gear = new BigUint64Array(256);
  for (let i = 0; i < 256; i++) {
    const digest = md5(new Uint8Array(64).fill(i));
    gear[i] = new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, false);
  }
  return gear;
}

/** The unseeded GEAR table. */
export const GEAR: BigUint64Array = buildGear();

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
  for (let i = 0; i < 256; i++) {
    gear[i] = GEAR[i] ^ seed;
    gearLs[i] = ((GEAR[i] << 1n) & U64) ^ seedLs;
  }
  return { gear, gearLs };
}
