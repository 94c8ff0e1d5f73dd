/**
 * @module segment
 * Append-only record files (one per log author). A record is
 * `[u32 length][u32 crc32][payload]`, little-endian. Appends are fsynced
 * before they count. Scanning tells a torn tail (a crash mid-append: the last
 * record incomplete or failing its checksum) apart from damage in the middle
 * of the file, which is reported with the file and byte offset.
 */

import { syncDir } from "./atomic.ts";
import { crc32 } from "./crc32.ts";

/** Bytes before each payload. */
export const RECORD_HEADER = 8;
/** Largest payload a record may hold. */
export const MAX_RECORD = 2 << 20;

/** A record read back from a segment. */
export interface SegmentRecord {
  /** Byte offset of the record header in the file. */
  readonly offset: number;
  /** The payload bytes. */
  readonly payload: Uint8Array;
}

/** Outcome of scanning a segment from some offset. */
export interface ScanResult {
  /** Every intact record, in file order. */
  readonly records: SegmentRecord[];
  /** Offset just past the last intact record. */
  readonly end: number;
  /** Bytes after `end` that look like a torn final append (crash remnant). */
  readonly tornBytes: number;
  /** Damage before the end of the file, if any. */
  readonly damage?: { offset: number; reason: string };
}

/** Encode payloads as consecutive records. */
export function encodeRecords(payloads: readonly Uint8Array[]): Uint8Array {
  const size = payloads.reduce((n, p) => n + RECORD_HEADER + p.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const p of payloads) {
    view.setUint32(at, p.length, true);
    view.setUint32(at + 4, crc32(p), true);
    out.set(p, at + RECORD_HEADER);
    at += RECORD_HEADER + p.length;
  }
  return out;
}

/** Parse records from `bytes`, which starts at file offset `base`. Pure. */
export function parseRecords(bytes: Uint8Array, base = 0): ScanResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: SegmentRecord[] = [];
  let at = 0;
  while (at < bytes.length) {
    const left = bytes.length - at;
    if (left < RECORD_HEADER) return { records, end: base + at, tornBytes: left };
    const length = view.getUint32(at, true);
    const sum = view.getUint32(at + 4, true);
    const stop = at + RECORD_HEADER + length;
    if (length > MAX_RECORD) {
      return {
        records,
        end: base + at,
        tornBytes: 0,
        damage: { offset: base + at, reason: "impossible record length" },
      };
    }
    if (stop > bytes.length) return { records, end: base + at, tornBytes: left };
    const payload = bytes.subarray(at + RECORD_HEADER, stop);
    if (crc32(payload) !== sum) {
      if (stop === bytes.length) return { records, end: base + at, tornBytes: left };
      return {
        records,
        end: base + at,
        tornBytes: 0,
        damage: { offset: base + at, reason: "checksum mismatch" },
      };
    }
    records.push({ offset: base + at, payload });
    at = stop;
  }
  return { records, end: base + at, tornBytes: 0 };
}

/** Read and parse `path` from byte `from`; a missing file reads as empty. */
export async function scanSegment(path: string, from = 0): Promise<ScanResult> {
  let f: Deno.FsFile;
  try {
    f = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { records: [], end: 0, tornBytes: 0 };
    throw e;
  }
  try {
    const size = (await f.stat()).size;
    if (from > size) {
      return {
        records: [],
        end: from,
        tornBytes: 0,
        damage: { offset: size, reason: "file is shorter than recorded" },
      };
    }
    await f.seek(from, Deno.SeekMode.Start);
    const bytes = new Uint8Array(size - from);
    let got = 0;
    while (got < bytes.length) {
      const n = await f.read(bytes.subarray(got));
      if (n === null) break;
      got += n;
    }
    return parseRecords(bytes.subarray(0, got), from);
  } finally {
    f.close();
  }
}

/**
 * Append payloads to `path` (created 0600 if missing) and fsync before
 * returning. Returns the file size after the append.
 */
export async function appendRecords(
  path: string,
  payloads: readonly Uint8Array[],
): Promise<number> {
  const data = encodeRecords(payloads);
  const f = await Deno.open(path, { append: true, create: true, mode: 0o600 });
  let created = false;
  try {
    const before = (await f.stat()).size;
    created = before === 0;
    let written = 0;
    while (written < data.length) written += await f.write(data.subarray(written));
    await f.syncData();
    if (created) await syncDir(path.slice(0, path.lastIndexOf("/")));
    return before + data.length;
  } finally {
    f.close();
  }
}

/** Cut a torn tail off `path` (only ever called under the writers' lock). */
export async function truncateSegment(path: string, length: number): Promise<void> {
  await Deno.truncate(path, length);
  const f = await Deno.open(path, { write: true });
  try {
    await f.syncData();
  } finally {
    f.close();
  }
}
