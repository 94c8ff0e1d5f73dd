/**
 * @module segment
 * Append-only record files (one per log author). A record is
 * `[u32 length][u32 crc32][payload]`, little-endian. Appends are fsynced
 * before they count. Scanning tells a torn tail (a crash mid-append: the last
 * record incomplete or failing its checksum) apart from damage in the middle
 * of the file, which is reported with the file and byte offset.
 */

import { dirOf, syncDir } from "./atomic.ts";
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

/** Bytes scanned ahead for a later intact record before calling a tail torn. */
const LOOKAHEAD = 8 << 20;

/** True when an intact record (valid length and checksum, non-empty) starts at `at`. */
function intactAt(bytes: Uint8Array, view: DataView, at: number): boolean {
  if (bytes.length - at < RECORD_HEADER) return false;
  const length = view.getUint32(at, true);
  if (length === 0 || length > MAX_RECORD || at + RECORD_HEADER + length > bytes.length) {
    return false;
  }
  return crc32(bytes.subarray(at + RECORD_HEADER, at + RECORD_HEADER + length)) ===
    view.getUint32(at + 4, true);
}

/**
 * A bad record at `at` is a torn tail only if nothing intact follows it: a
 * crash mid-append leaves at most the end of the file unfinished. If a good
 * record appears later, the bad one is damage in the middle of the file.
 */
function intactAfter(bytes: Uint8Array, view: DataView, at: number): boolean {
  const stop = Math.min(bytes.length, at + LOOKAHEAD);
  for (let p = at + 1; p + RECORD_HEADER < stop; p++) if (intactAt(bytes, view, p)) return true;
  return bytes.length > at + LOOKAHEAD;
}

/** Parse records from `bytes`, which starts at file offset `base`. Pure. */
export function parseRecords(bytes: Uint8Array, base = 0): ScanResult {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: SegmentRecord[] = [];
  let at = 0;
  const bad = (reason: string): ScanResult =>
    intactAfter(bytes, view, at)
      ? { records, end: base + at, tornBytes: 0, damage: { offset: base + at, reason } }
      : { records, end: base + at, tornBytes: bytes.length - at };
  while (at < bytes.length) {
    if (bytes.length - at < RECORD_HEADER) return bad("truncated record header");
    const length = view.getUint32(at, true);
    const stop = at + RECORD_HEADER + length;
    // mycel never writes an empty record: zeros are a crash remnant or damage.
    if (length === 0) return bad("empty record");
    if (length > MAX_RECORD) return bad("impossible record length");
    if (stop > bytes.length) return bad("record runs past the end of the file");
    const payload = bytes.subarray(at + RECORD_HEADER, stop);
    if (crc32(payload) !== view.getUint32(at + 4, true)) return bad("checksum mismatch");
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
    if (created) await syncDir(dirOf(path));
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
