/**
 * @module replay
 * Reading log segments back: replaying the records past the snapshot into the
 * state on load, and reading an author's whole chain to serve it to peers.
 * Damage (a record failing its checksum with data after it, a broken chain, a
 * missing or truncated file) is a `corrupt_log` error naming the file and the
 * byte offset; a torn final record is a crash remnant, cut off by writers.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { DeviceId } from "../log/device_id.ts";
import { segmentFiles, segmentPath } from "./log_dir.ts";
import { decodeSignedEntry, type Entry, hashEntryBytes, type SignedEntry } from "../log/entry.ts";
import type { MeshState } from "../log/state.ts";
import type { HomePaths } from "./home.ts";
import { RECORD_HEADER, type ScanResult, scanSegment, truncateSegment } from "./segment.ts";
import type { StoredHead } from "./snapshot.ts";

function corrupt(path: string, offset: number, reason: string): MycelError {
  return new MycelError(
    "corrupt_log",
    "read log",
    `${path} is damaged at byte ${offset}: ${reason}`,
    {
      hint: "Run `mycel repair` to keep every intact entry and set the damaged file aside;" +
        " missing entries come back from peers on the next sync.",
    },
  );
}

function decodeAt(path: string, offset: number, payload: Uint8Array): SignedEntry {
  try {
    return decodeSignedEntry(payload);
  } catch (e) {
    throw corrupt(path, offset, e instanceof Error ? e.message : String(e));
  }
}

function checkLink(
  path: string,
  offset: number,
  head: StoredHead | undefined,
  e: SignedEntry,
): void {
  const expected = (head?.seq ?? 0) + 1;
  if (e.entry.seq !== expected) {
    throw corrupt(path, offset, `expected entry ${expected}, found ${e.entry.seq}`);
  }
  if (head && !bytesEqual(e.entry.prev!, head.hash)) {
    throw corrupt(path, offset, "the hash chain is broken");
  }
}

/** Replay records past each head into `state`, advancing `heads`. */
export async function replaySegments(
  paths: HomePaths,
  state: MeshState,
  heads: Map<DeviceId, StoredHead>,
  options: { truncateTorn: boolean; onEntry?: (e: Entry) => void },
): Promise<void> {
  const authors = new Set((await segmentFiles(paths)).keys());
  for (const author of heads.keys()) {
    if (!authors.has(author)) throw corrupt(segmentPath(paths, author), 0, "the file is missing");
  }
  for (const author of authors) {
    const path = segmentPath(paths, author);
    const scan = await scanSegment(path, heads.get(author)?.offset ?? 0);
    if (scan.damage) throw corrupt(path, scan.damage.offset, scan.damage.reason);
    for (const r of scan.records) {
      const e = decodeAt(path, r.offset, r.payload);
      checkLink(path, r.offset, heads.get(author), e);
      state.apply(e.entry);
      options.onEntry?.(e.entry);
      heads.set(author, {
        seq: e.entry.seq,
        hash: e.hash,
        offset: r.offset + RECORD_HEADER + r.payload.length,
      });
    }
    if (scan.tornBytes > 0 && options.truncateTorn) await truncateSegment(path, scan.end);
  }
}

/**
 * Entries of `author` with seq in `(afterSeq, afterSeq + limit]`, up to
 * `head`, chain-checked. Record i of a segment holds seq i + 1, so records
 * before the range are skipped without being decoded or hashed.
 */
export async function readSegmentEntries(
  paths: HomePaths,
  author: DeviceId,
  head: StoredHead | undefined,
  afterSeq = 0,
  limit = Infinity,
): Promise<SignedEntry[]> {
  if (head === undefined) return [];
  const path = segmentPath(paths, author);
  const scan: ScanResult = await scanSegment(path, 0);
  if (scan.damage && scan.damage.offset < head.offset) {
    throw corrupt(path, scan.damage.offset, scan.damage.reason);
  }
  if (scan.end < head.offset) {
    throw corrupt(path, scan.end, "a record inside the saved log is damaged");
  }
  const out: SignedEntry[] = [];
  let prev: StoredHead | undefined;
  for (let i = Math.max(0, afterSeq); i < scan.records.length && out.length < limit; i++) {
    const r = scan.records[i];
    if (r.offset >= head.offset) break;
    const e = decodeAt(path, r.offset, r.payload);
    if (e.entry.seq !== i + 1) {
      throw corrupt(path, r.offset, `expected entry ${i + 1}, found ${e.entry.seq}`);
    }
    if (prev) checkLink(path, r.offset, prev, e);
    prev = { seq: e.entry.seq, hash: e.hash, offset: 0 };
    out.push(e);
  }
  return out;
}

/**
 * Hashes of `author`'s entries up to `head`, index i for seq i + 1, computed
 * from the stored bytes without decoding them (for duplicate and fork checks).
 */
export async function segmentHashes(
  paths: HomePaths,
  author: DeviceId,
  head: StoredHead | undefined,
): Promise<Uint8Array[]> {
  if (head === undefined) return [];
  const path = segmentPath(paths, author);
  const scan = await scanSegment(path, 0);
  if (scan.end < head.offset) {
    throw corrupt(path, scan.end, "a record inside the saved log is damaged");
  }
  return scan.records.filter((r) => r.offset < head.offset).map((r) => hashEntryBytes(r.payload));
}
