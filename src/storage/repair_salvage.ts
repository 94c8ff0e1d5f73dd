/**
 * @module repair_salvage
 * What `repair` (repair.ts) reads back from a damaged database: every entry
 * it can still read — from the chains and from what was kept aside — plus
 * who the device is, its clock, its peers and local settings, the
 * checkpoint base it started from (with its parts, when it came in parts)
 * and the folders synced here. Read row
 * range by row range, a damaged range split down to single rows, so one
 * damaged page costs only the rows on it, and any query that fails leaves
 * its part out. Apart because it only reads, and reads nothing it trusts:
 * everything salvaged is checked again as it goes into the new database
 * (repair_rebuild.ts).
 */

import { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry, type SignedEntry } from "../log/entry.ts";
import { readBase, readBaseParts } from "./base_state.ts";
import type { Db } from "./db.ts";
import { type FolderTables, salvageFolders } from "./repair_folders.ts";

/** The base's bytes ({@link readBase}), or undefined when there is none or its row is unreadable. */
export function baseOf(db: Db): Uint8Array | undefined {
  return tryAll(() => [readBase(db)])?.[0];
}

/** `fn`'s rows, or undefined when a query in it fails (a damaged page, say). */
export function tryAll<T>(fn: () => T[]): T[] | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Rows of `sql` (with `?` for after, limit) read in ranges; a damaged range is split down to single rows. */
function salvage(
  db: Db,
  author: Uint8Array | undefined,
  max: number,
): { bytes: Uint8Array[]; bad: number } {
  const out: Uint8Array[] = [];
  let bad = 0;
  const stmt = author === undefined
    ? db.prepare("SELECT bytes FROM aside WHERE rowid > ? AND rowid <= ?")
    : db.prepare(
      "SELECT bytes FROM entries WHERE author = ? AND seq > ? AND seq <= ? ORDER BY seq",
    );
  const read = (lo: number, hi: number): void => {
    const rows = tryAll(() =>
      (author === undefined ? stmt.all(lo, hi) : stmt.all(author, lo, hi)) as {
        bytes: Uint8Array;
      }[]
    );
    if (rows !== undefined) {
      for (const r of rows) out.push(r.bytes);
      return;
    }
    if (hi - lo <= 1) {
      bad++;
      return;
    }
    const mid = Math.floor((lo + hi) / 2);
    read(lo, mid);
    read(mid, hi);
  };
  for (let lo = 0; lo < max; lo += 4096) read(lo, Math.min(max, lo + 4096));
  return { bytes: out, bad };
}

/** What was read back of a damaged home. */
export interface Salvaged {
  device: Uint8Array;
  mesh: string;
  clock: { wall: number; counter: number };
  noise?: [Uint8Array, Uint8Array];
  entries: SignedEntry[];
  /** The highest seq of each author the damaged database claimed (heads, entries), by key hex. */
  claimed: Map<string, number>;
  peers: [Uint8Array, string][];
  local: [string, string][];
  /**
   * The checkpoint base the home started from (a joiner holds its peers'
   * early history only there) and where each chain starts after it: without
   * them a repaired joiner lost its peers' admissions, so its peers, and
   * every peer refused it for good.
   */
  base?: Uint8Array;
  /** The parts of a base in parts (repair_base.ts), in order (missing: none read back). */
  baseParts?: Uint8Array[];
  starts: { author: Uint8Array; seq: number; hash: Uint8Array }[];
  /** The folders synced here (where each lives): rows of folder_local. */
  folders: unknown[][];
  /** Their index, chunk places, transfers, blobs, and the folders left here (repair_folders.ts). */
  folderTables: FolderTables;
  unreadable: number;
}

/** Read back all that `db` (damaged) still gives. */
export function salvageAll(db: Db): Salvaged {
  const folders =
    tryAll(() =>
      (db.prepare("SELECT * FROM folder_local").all() as Record<string, unknown>[]).map((r) =>
        Object.values(r)
      )
    ) ?? [];
  const meta = new Map(
    tryAll(() => db.prepare("SELECT k, v FROM meta").all() as { k: string; v: unknown }[])?.map((
      r,
    ) => [r.k, r.v]) ?? [],
  );
  const heads =
    tryAll(() =>
      db.prepare("SELECT author, seq FROM heads").all() as { author: Uint8Array; seq: number }[]
    ) ?? [];
  // Authors whose head row is lost still show up in the entries index.
  const authors =
    tryAll(() =>
      db.prepare("SELECT DISTINCT author FROM entries").all() as { author: Uint8Array }[]
    ) ?? [];
  const maxSeq = new Map<string, { author: Uint8Array; seq: number }>();
  for (const r of [...heads, ...authors.map((a) => ({ author: a.author, seq: 0 }))]) {
    const k = DeviceKey.of(r.author).hex;
    const seq = Math.max(
      r.seq,
      tryAll(() => [db.prepare("SELECT max(seq) AS m FROM entries WHERE author = ?").get(r.author)])
        ?.[0]?.m as number ?? 0,
    );
    maxSeq.set(k, { author: r.author, seq: Math.max(seq, maxSeq.get(k)?.seq ?? 0) });
  }
  let unreadable = 0;
  const raw: Uint8Array[] = [];
  for (const { author, seq } of maxSeq.values()) {
    const s = salvage(db, author, seq + 4096);
    raw.push(...s.bytes);
    unreadable += s.bad;
  }
  const asideMax =
    (tryAll(() => [db.prepare("SELECT max(rowid) AS m FROM aside").get()])?.[0]?.m as number) ?? 0;
  const aside = asideMax > 0 ? salvage(db, undefined, asideMax + 1) : { bytes: [], bad: 0 };
  raw.push(...aside.bytes);
  unreadable += aside.bad;
  const entries: SignedEntry[] = [];
  for (const b of raw) {
    try {
      entries.push(decodeSignedEntry(b));
    } catch {
      unreadable++;
    }
  }
  return {
    device: meta.get("device") as Uint8Array,
    mesh: String(meta.get("mesh") ?? ""),
    clock: {
      wall: Number(meta.get("clock_wall") ?? 0),
      counter: Number(meta.get("clock_counter") ?? 0),
    },
    noise: meta.get("noise_public") instanceof Uint8Array &&
        meta.get("noise_private") instanceof Uint8Array
      ? [meta.get("noise_public") as Uint8Array, meta.get("noise_private") as Uint8Array]
      : undefined,
    entries,
    claimed: new Map([...maxSeq].map(([k, v]) => [k, v.seq])),
    peers:
      (tryAll(() =>
        db.prepare("SELECT key, book FROM peers").all() as { key: Uint8Array; book: string }[]
      ) ?? [])
        .map((r) => [r.key, r.book]),
    local:
      (tryAll(() => db.prepare("SELECT k, v FROM local").all() as { k: string; v: string }[]) ?? [])
        .map((r) => [r.k, r.v]),
    base: baseOf(db),
    baseParts: tryAll(() => [...readBaseParts(db)]),
    starts:
      tryAll(() =>
        db.prepare("SELECT author, base AS seq, base_hash AS hash FROM heads WHERE base > 0")
          .all() as { author: Uint8Array; seq: number; hash: Uint8Array }[]
      ) ?? [],
    folders,
    folderTables: salvageFolders(db, folders.map((r) => String(r[0]))),
    unreadable,
  };
}
