/**
 * @module repair
 * `mycel repair`: after damage, keep every intact entry. For each segment the
 * longest intact, chain-checked prefix stays in place; a damaged file is first
 * renamed aside (`.damaged-<time>`, never deleted) and its prefix rewritten
 * atomically. When the snapshot is intact its state is kept as is — it already
 * holds the effect of every entry, including ones whose log records were
 * damaged — and only the heads drop back to the intact prefixes, so the next
 * sync fetches those entries again (re-applying them is harmless: every CRDT
 * here is idempotent). When the snapshot is damaged too, the state is refolded
 * from the repaired log. If this device's own log lost entries and other
 * devices exist, new local writes wait until a sync has brought them back, so
 * the device never signs a second, different entry for a sequence number a
 * peer may already hold.
 */

import { bytesEqual } from "../bytes.ts";
import type { DeviceId } from "../log/device_id.ts";
import { decodeSignedEntry, type SignedEntry } from "../log/entry.ts";
import { stateFromPlain } from "../log/state_codec.ts";
import { writeFileAtomic } from "./atomic.ts";
import { type HomePaths, homePaths } from "./home.ts";
import { readHomeInfo } from "./home_info.ts";
import { acquireLock } from "./lock.ts";
import { segmentFiles, segmentPath } from "./log_dir.ts";
import { encodeRecords, scanSegment } from "./segment.ts";
import { decodeSnapshot, encodeSnapshot, type Snapshot, type StoredHead } from "./snapshot.ts";
import { Store } from "./store.ts";

/** What repair did to one author's segment. */
export interface SegmentRepair {
  /** The author. */
  author: DeviceId;
  /** Entries kept. */
  kept: number;
  /** Bytes dropped after the intact prefix (0 when the file was fine). */
  droppedBytes: number;
  /** Where the damaged original was kept, if it was damaged. */
  setAside?: string;
  /** Why it was considered damaged. */
  reason?: string;
  /** Head of the kept prefix (undefined when nothing was kept). */
  head?: StoredHead;
}

/** Keep the intact prefix of every segment; returns what was done per author. */
export async function repairSegments(paths: HomePaths, now: number): Promise<SegmentRepair[]> {
  const results: SegmentRepair[] = [];
  for (const [author, size] of await segmentFiles(paths)) {
    const path = segmentPath(paths, author);
    const scan = await scanSegment(path, 0);
    const kept: SignedEntry[] = [];
    let reason = scan.damage?.reason ?? (scan.tornBytes > 0 ? "torn final record" : undefined);
    for (const r of scan.records) {
      let e: SignedEntry;
      try {
        e = decodeSignedEntry(r.payload);
      } catch (err) {
        reason = `undecodable entry at byte ${r.offset}: ${(err as Error).message}`;
        break;
      }
      const prev = kept[kept.length - 1];
      const linked = prev === undefined
        ? e.entry.seq === 1
        : e.entry.seq === prev.entry.seq + 1 && bytesEqual(e.entry.prev!, prev.hash);
      if (!linked) {
        reason = `chain broken at byte ${r.offset}`;
        break;
      }
      kept.push(e);
    }
    const keptBytes = encodeRecords(kept.map((e) => e.bytes));
    const last = kept[kept.length - 1];
    const head = last && { seq: last.entry.seq, hash: last.hash, offset: keptBytes.length };
    if (reason === undefined && keptBytes.length === size) {
      results.push({ author, kept: kept.length, droppedBytes: 0, head });
      continue;
    }
    const setAside = `${path}.damaged-${now}`;
    await Deno.rename(path, setAside);
    await writeFileAtomic(path, keptBytes);
    const droppedBytes = size - keptBytes.length;
    results.push({ author, kept: kept.length, droppedBytes, setAside, reason, head });
  }
  return results;
}

/** Outcome of {@link repairHome}. */
export interface RepairReport {
  /** Per-author segment results. */
  segments: SegmentRepair[];
  /** Set when the snapshot could not be read and the state was refolded from the log. */
  snapshotDamaged?: string;
  /** Set when this device's own log lost entries: the seq to recover up to. */
  recoverOwnTo?: number;
}

/** Repair the home at `root` under the writers' lock (see the module comment). */
export async function repairHome(
  root: string,
  now: () => number,
  options: { acceptLoss?: boolean } = {},
): Promise<RepairReport> {
  const paths = homePaths(root);
  const info = await readHomeInfo(paths);
  const lock = await acquireLock(paths.lock, 60_000);
  try {
    let old: Snapshot | undefined;
    let snapshotDamaged: string | undefined;
    try {
      old = await decodeSnapshot(await Deno.readFile(paths.snapshot));
      stateFromPlain(old.state);
    } catch (e) {
      old = undefined;
      if (!(e instanceof Deno.errors.NotFound)) snapshotDamaged = (e as Error).message;
    }
    const segments = await repairSegments(paths, now());
    if (old) {
      for (const s of segments) {
        if (s.head) old.heads.set(s.author, s.head);
        else old.heads.delete(s.author);
      }
      await writeFileAtomic(paths.snapshot, await encodeSnapshot(old));
    } else {
      await Deno.rename(paths.snapshot, `${paths.snapshot}.damaged-${now()}`).catch(() => {});
    }
    const store = await Store.open(root, { write: true, now, lock, warn: () => {} });
    const lostOwn = segments.some((s) => s.author === info.device && s.setAside);
    const have = store.heads.get(info.device)?.seq ?? 0;
    const before = Math.max(old?.local.recoverOwnTo ?? 0, lostOwn ? have + 1 : 0);
    // Only other devices could hold (and later see a rewrite of) lost entries;
    // a lone device simply carries on.
    const others = store.state.members.members().some((id) => id !== info.device);
    if (have < before && others && !options.acceptLoss) store.local.recoverOwnTo = before;
    else delete store.local.recoverOwnTo;
    await store.save();
    store.close();
    return { segments, snapshotDamaged, recoverOwnTo: store.local.recoverOwnTo };
  } finally {
    lock.release();
  }
}
