/**
 * @module segment_helper
 * Read the record layout of a log segment file as it is on disk, for tests
 * that damage chosen records: each record is `[u32 length][u32 crc32][payload]`,
 * little-endian.
 *
 * ```ts
 * const recs = segmentRecords(await Deno.readFile(segment));
 * bytes[recs[1].offset + 8] ^= 0xff; // a payload byte of the second record
 * ```
 */

/** One record of a segment: where its header starts and its payload length. */
export interface SegmentRecord {
  /** Offset of the record's 8-byte header in the file. */
  offset: number;
  /** Payload length from the header. */
  length: number;
}

/** The records of segment bytes, by their headers (a torn tail is listed as it claims to be). */
export function segmentRecords(bytes: Uint8Array): SegmentRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: SegmentRecord[] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const length = view.getUint32(at, true);
    out.push({ offset: at, length });
    at += 8 + length;
  }
  return out;
}
