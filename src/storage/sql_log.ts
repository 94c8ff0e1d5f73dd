/**
 * @module sql_log
 * The signed logs in the home's database: each author's chain of raw entries
 * (stored exactly as signed, read back without decoding for sending), the
 * chain heads, entries kept aside, and fork reports. Reading a range is one
 * index seek, so a round that carries one new entry costs the same at a
 * million entries as at ten thousand.
 */

import { bytesEqual, compareBytes } from "../bytes.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { SignedEntry } from "../log/entry.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { AsideReason } from "../log/ingest.ts";
import { hasRevoke, REVOKE_TAG } from "../log/removals.ts";
import type { Db } from "./db.ts";

/** The end of one author's chain. */
export interface Head {
  /** Last seq of the chain. */
  readonly seq: number;
  /** Hash of that entry. */
  readonly hash: Uint8Array;
  /** Entries at or below this seq may be absent (covered by a checkpoint). */
  readonly base: number;
  /** Hash of the entry at `base` (null when base is 0). */
  readonly baseHash: Uint8Array | null;
}

/** A fork report (evidence: both entries, ours in `entries`, the other in `aside`). */
export interface ForkRow {
  readonly author: DeviceKey;
  readonly seq: number;
  readonly kept: Uint8Array;
  readonly other: Uint8Array;
  readonly at: number;
}

function statements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
    head: p("SELECT seq, hash, base, base_hash AS baseHash FROM heads WHERE author = ?"),
    heads: p("SELECT author, seq, hash, base, base_hash AS baseHash FROM heads ORDER BY author"),
    setHead: p("INSERT OR REPLACE INTO heads VALUES (?, ?, ?, ?, ?)"),
    // One statement per append: the chain's base stays as it is (0 for a new chain).
    advanceHead: p(
      "INSERT INTO heads (author, seq, hash) VALUES (?, ?, ?)" +
        " ON CONFLICT (author) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    ),
    hashAt: p("SELECT hash FROM entries WHERE author = ? AND seq = ?"),
    insert: p("INSERT INTO entries VALUES (?, ?, ?, ?)"),
    range: p(
      "SELECT bytes FROM entries WHERE author = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
    ),
    rangeDesc: p(
      "SELECT bytes FROM entries WHERE author = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
    ),
    // A chain holds every entry above its base; only those at or below it are counted.
    countAbove: p("SELECT coalesce(sum(seq - base), 0) AS n FROM heads"),
    countBelow: p(
      // CROSS JOIN keeps heads outside: a range seek per chain, never a scan of the entries.
      "SELECT count(*) AS n FROM heads CROSS JOIN entries ON entries.author = heads.author" +
        " WHERE heads.base > 0 AND entries.seq <= heads.base",
    ),
    cutAfter: p("DELETE FROM entries WHERE author = ? AND seq > ?"),
    dropHead: p("DELETE FROM heads WHERE author = ?"),
    aside: p("INSERT OR IGNORE INTO aside VALUES (?, ?, ?, ?, ?, ?)"),
    waiting: p("SELECT bytes FROM aside WHERE author = ? AND reason = 'waiting' ORDER BY seq"),
    dropWaiting: p("DELETE FROM aside WHERE author = ? AND reason = 'waiting'"),
    asideSummary: p(
      "SELECT author, reason, count(*) AS n, min(seq) AS lo, max(seq) AS hi FROM aside" +
        " GROUP BY author, reason ORDER BY author, reason",
    ),
    asideOf: p(
      "SELECT author, seq, hash, bytes, reason FROM aside WHERE reason = ? ORDER BY author, seq",
    ),
    dropAside: p("DELETE FROM aside WHERE author = ? AND seq = ? AND hash = ?"),
    containing: p("SELECT bytes FROM entries WHERE instr(bytes, ?) > 0"),
    asideContaining: p(
      "SELECT bytes FROM aside WHERE reason = 'past_cut' AND instr(bytes, ?) > 0",
    ),
    asideRange: p(
      "SELECT seq, bytes FROM aside WHERE author = ? AND reason = 'past_cut' AND seq > ?" +
        " AND seq <= ? ORDER BY seq LIMIT ?",
    ),
    fork: p("INSERT OR IGNORE INTO forks VALUES (?, ?, ?, ?, ?)"),
    forks: p("SELECT author, seq, kept, other, at FROM forks ORDER BY author"),
  };
}

/** The read side of {@link SqlLog}: what `Home.log` offers (writes go through HomeWriter). */
export type LogView = Pick<
  SqlLog,
  | "head"
  | "heads"
  | "hashAt"
  | "entryAt"
  | "range"
  | "rangeDesc"
  | "decoded"
  | "count"
  | "asideRemovals"
  | "evidence"
  | "asideRange"
  | "containing"
  | "asideSummary"
  | "forks"
>;

/** The logs of one home. */
export class SqlLog {
  readonly #s: ReturnType<typeof statements>;
  readonly #now: () => number;

  constructor(db: Db, now: () => number) {
    this.#s = statements(db);
    this.#now = now;
  }

  /** The end of `author`'s chain. */
  head(author: DeviceKey): Head | undefined {
    const r = this.#s.head.get(author.bytes) as Head | undefined;
    return r && { seq: r.seq, hash: r.hash, base: r.base, baseHash: r.baseHash };
  }

  /** Every chain's end, by author. */
  heads(): Map<DeviceKey, Head> {
    const out = new Map<DeviceKey, Head>();
    for (const r of this.#s.heads.all() as unknown as (Head & { author: Uint8Array })[]) {
      out.set(DeviceKey.of(r.author), {
        seq: r.seq,
        hash: r.hash,
        base: r.base,
        baseHash: r.baseHash,
      });
    }
    return out;
  }

  /** Hash of the stored entry `author#seq`. */
  hashAt(author: DeviceKey, seq: number): Uint8Array | undefined {
    return (this.#s.hashAt.get(author.bytes, seq) as { hash: Uint8Array } | undefined)?.hash;
  }

  /**
   * Append a verified entry at the end of its author's chain. With `moveHead`
   * false the caller moves the head itself, once for a run of entries
   * ({@link SqlLog.moveHead}), before anything reads it.
   */
  append(e: SignedEntry, moveHead = true): void {
    const author = e.entry.author;
    this.#s.insert.run(author.bytes, e.entry.seq, e.hash, e.bytes);
    if (moveHead) this.#s.advanceHead.run(author.bytes, e.entry.seq, e.hash);
  }

  /** Move the end of `author`'s chain to its appended entry `seq` (the base stays). */
  moveHead(author: DeviceKey, seq: number, hash: Uint8Array): void {
    this.#s.advanceHead.run(author.bytes, seq, hash);
  }

  /** Set a chain's end without its entries (they are covered by a checkpoint). */
  setBase(author: DeviceKey, seq: number, hash: Uint8Array): void {
    this.#s.setHead.run(author.bytes, seq, hash, seq, hash);
  }

  /**
   * Start `author`'s chain again at a checkpoint's head `seq`, below where it
   * ends now (a re-base: checkpoint_rebase.ts); entries held after it go.
   */
  rewind(author: DeviceKey, seq: number, hash: Uint8Array): void {
    this.#s.cutAfter.run(author.bytes, seq);
    this.setBase(author, seq, hash);
  }

  /** Cut `author`'s chain back to `seq` (what followed was moved aside). */
  truncate(author: DeviceKey, seq: number): void {
    const head = this.head(author);
    if (head === undefined || head.seq <= seq) return;
    this.#s.cutAfter.run(author.bytes, seq);
    if (seq === 0) {
      this.#s.dropHead.run(author.bytes);
      return;
    }
    const hash = seq === head.base ? head.baseHash : this.hashAt(author, seq);
    if (!hash) throw new Error(`no entry ${seq} of ${author.short} to cut back to`);
    this.#s.setHead.run(author.bytes, seq, hash, head.base, head.baseHash);
  }

  /** The raw entry `seq` of `author`, if this home holds it. */
  entryAt(author: DeviceKey, seq: number): Uint8Array | undefined {
    return this.range(author, seq - 1, seq, 1)[0];
  }

  /** Raw entries of `author` with `after < seq <= upTo`, in order, at most `limit`. */
  range(
    author: DeviceKey,
    after: number,
    upTo = Number.MAX_SAFE_INTEGER,
    limit = 1000,
  ): Uint8Array[] {
    return (this.#s.range.all(author.bytes, after, upTo, limit) as { bytes: Uint8Array }[])
      .map((r) => r.bytes);
  }

  /** Raw entries of `author` with seq < `before`, newest first, at most `limit`. */
  rangeDesc(author: DeviceKey, before: number, limit: number): Uint8Array[] {
    return (this.#s.rangeDesc.all(author.bytes, before, limit) as { bytes: Uint8Array }[]).map((
      r,
    ) => r.bytes);
  }

  /** Decoded entries of `author` after `after` (for `mycel log`, repair and tests). */
  decoded(author: DeviceKey, after: number, limit = 1000): SignedEntry[] {
    return this.range(author, after, undefined, limit).map((b) => decodeSignedEntry(b));
  }

  /** Entries stored in all chains. */
  count(): number {
    return (this.#s.countAbove.get() as { n: number }).n +
      (this.#s.countBelow.get() as { n: number }).n;
  }

  /** Keep `author`'s entries after `after` aside for `reason` (the chain is cut back by the caller). */
  asideAfter(author: DeviceKey, after: number, reason: AsideReason): void {
    for (;;) {
      const raw = this.range(author, after, undefined, 1000);
      for (const bytes of raw) this.setAside(decodeSignedEntry(bytes), reason);
      if (raw.length < 1000) return;
      after += raw.length;
    }
  }

  /** Keep an entry aside (not folded); true when it was not kept aside already. */
  setAside(e: SignedEntry, reason: AsideReason): boolean {
    const r = this.#s.aside.run(
      e.entry.author.bytes,
      e.entry.seq,
      e.hash,
      reason,
      e.bytes,
      this.#now(),
    );
    return Number(r.changes) > 0;
  }

  /**
   * Put entries kept aside for `reasons` back at the end of their authors'
   * chains where they link (next seq, naming the head's hash); the others
   * stay aside. For a refold, which sets aside again what still may not fold.
   */
  restoreAside(...reasons: AsideReason[]): void {
    type Row = { author: Uint8Array; seq: number; hash: Uint8Array; bytes: Uint8Array };
    const rows = reasons.flatMap((r) => this.#s.asideOf.all(r) as Row[])
      .sort((a, b) => compareBytes(a.author, b.author) || a.seq - b.seq);
    for (const row of rows) {
      const e = decodeSignedEntry(row.bytes);
      const head = this.head(e.entry.author);
      const links = e.entry.seq === (head?.seq ?? 0) + 1 &&
        (head === undefined ? e.entry.prev === null : e.entry.prev !== null &&
          bytesEqual(e.entry.prev, head.hash));
      if (!links) continue;
      this.append(e);
      this.#s.dropAside.run(row.author, row.seq, row.hash);
    }
  }

  /** True when some entry kept aside past a cut holds a removal. */
  asideRemovals(): boolean {
    return this.evidence().length > 0;
  }

  /**
   * Entries kept aside past a cut that hold a removal: they may count
   * (src/log/removals.ts), so they travel to peers as evidence.
   */
  evidence(): SignedEntry[] {
    const rows = this.#s.asideContaining.all(REVOKE_TAG) as { bytes: Uint8Array }[];
    return rows.map((r) => decodeSignedEntry(r.bytes)).filter((e) => hasRevoke(e.entry));
  }

  /** Raw entries of `author` kept aside past a cut, `after < seq <= upTo`, one per seq. */
  asideRange(author: DeviceKey, after: number, upTo: number, limit = 1000): Uint8Array[] {
    const rows = this.#s.asideRange.all(author.bytes, after, upTo, limit) as {
      seq: number;
      bytes: Uint8Array;
    }[];
    return rows.filter((r, i) => i === 0 || rows[i - 1].seq !== r.seq).map((r) => r.bytes);
  }

  /** Raw entries (of any author) whose bytes contain `needle`. */
  containing(needle: Uint8Array): Uint8Array[] {
    return (this.#s.containing.all(needle) as { bytes: Uint8Array }[]).map((r) => r.bytes);
  }

  /** Take back the entries of `author` kept aside as waiting for its admission. */
  takeWaiting(author: DeviceKey): SignedEntry[] {
    const rows = this.#s.waiting.all(author.bytes) as { bytes: Uint8Array }[];
    if (rows.length === 0) return [];
    this.#s.dropWaiting.run(author.bytes);
    return rows.map((r) => decodeSignedEntry(r.bytes));
  }

  /** What is kept aside, per author and reason. */
  asideSummary(): {
    author: DeviceKey;
    reason: AsideReason;
    count: number;
    from: number;
    to: number;
  }[] {
    return (this.#s.asideSummary.all() as {
      author: Uint8Array;
      reason: AsideReason;
      n: number;
      lo: number;
      hi: number;
    }[]).map((r) => ({
      author: DeviceKey.of(r.author),
      reason: r.reason,
      count: r.n,
      from: r.lo,
      to: r.hi,
    }));
  }

  /** Record a fork (the first report per author is kept). */
  noteFork(author: DeviceKey, seq: number, kept: Uint8Array, other: Uint8Array): void {
    this.#s.fork.run(author.bytes, seq, kept, other, this.#now());
  }

  /** Fork reports. */
  forks(): ForkRow[] {
    return (this.#s.forks.all() as (Omit<ForkRow, "author"> & { author: Uint8Array })[])
      .map((r) => ({ ...r, author: DeviceKey.of(r.author) }));
  }
}
