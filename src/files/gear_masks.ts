/**
 * @module gear_masks
 * FastCDC 2020's normalized-chunking masks: MASKS[bits] is the spread-bit
 * mask of the C reference (destor) and restic's FastCDC, indexed by log2 of
 * the wanted average (5..25 used), matching nlfiedler/fastcdc-rs's test
 * vectors. Apart from the GEAR tables (gear_table.ts) so that checking chunk
 * parameters, which the log's op decoders do, loads no MD5.
 */

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
