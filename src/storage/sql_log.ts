/**
 * @module sql_log
 * The signed logs in the home's database: each author's chain (sql_chains.ts)
 * and what is kept beside the chains: entries set aside, not folded (past a
 * removal's cut, a fork's other branch, waiting for their author's
 * admission), and fork reports with both entries as evidence. Nothing aside
 * is lost: it goes back into its chain when it links again (a refold),
 * travels to peers as evidence when it holds a removal, or is taken back
 * once its author is admitted.
 */

import { bytesEqual, compareBytes } from "../bytes.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { SignedEntry } from "../log/entry.ts";
import { decodeSignedEntry } from "../log/entry.ts";
import type { AsideReason } from "../log/ingest.ts";
import { hasRevoke, REVOKE_TAG } from "../log/removals.ts";
import type { Db } from "./db.ts";
import { SqlChains } from "./sql_chains.ts";

export type { Head } from "./sql_chains.ts";

/** A fork report (evidence: both entries, ours in `entries`, the other in `aside`). */
export interface ForkRow {
  readonly author: DeviceKey;
  readonly seq: number;
  readonly kept: Uint8Array;
  readonly other: Uint8Array;
  readonly at: number;
}

/** Statements on the entries kept aside and the fork reports. */
function asideStatements(db: Db) {
  const p = (sql: string) => db.prepare(sql);
  return {
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
    asideContaining: p(
      "SELECT bytes FROM aside WHERE reason = 'past_cut' AND instr(bytes, ?) > 0",
    ),
    asideRange: p(
      "SELECT seq, bytes FROM aside WHERE author = ? AND reason = 'past_cut' AND seq > ?" +
        " AND seq <= ? ORDER BY seq LIMIT ?",
    ),
    // Newest first, paged by (seq, hash): one seq can hold several (a fork's branches).
    asideDesc: p(
      "SELECT seq, hash, reason, bytes FROM aside WHERE author = ? AND (seq < ? OR (seq = ? AND" +
        " hash > ?)) ORDER BY seq DESC, hash LIMIT ?",
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
  | "asideDesc"
  | "forks"
>;

/** The logs of one home: its chains, and what is kept aside. */
export class SqlLog extends SqlChains {
  readonly #s: ReturnType<typeof asideStatements>;
  readonly #now: () => number;

  constructor(db: Db, now: () => number) {
    super(db);
    this.#s = asideStatements(db);
    this.#now = now;
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

  /**
   * `author`'s entries kept aside, newest (highest seq) first, after
   * `after` (the last row of the previous page; none: from the top), at
   * most `limit`: `mycel log --aside` reads them so, never all at once.
   */
  asideDesc(
    author: DeviceKey,
    after: { seq: number; hash: Uint8Array } | undefined,
    limit: number,
  ): { seq: number; hash: Uint8Array; reason: AsideReason; bytes: Uint8Array }[] {
    const seq = after?.seq ?? Number.MAX_SAFE_INTEGER;
    const hash = after?.hash ?? new Uint8Array(0);
    return this.#s.asideDesc.all(author.bytes, seq, seq, hash, limit) as {
      seq: number;
      hash: Uint8Array;
      reason: AsideReason;
      bytes: Uint8Array;
    }[];
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
