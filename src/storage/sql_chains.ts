/**
 * @module sql_chains
 * Each author's signed chain in the home's database (for sql_log.ts): raw
 * entries stored exactly as signed, read back without decoding for sending,
 * and the chain heads (with the base a checkpoint covers). Reading a range
 * is one index seek, so a round that carries one new entry costs the same
 * at a million entries as at ten thousand.
 */

import { DeviceKey } from "../log/device_key.ts";
import type { SignedEntry } from "../log/entry.ts";
import { decodeSignedEntry } from "../log/entry.ts";
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
    containing: p("SELECT bytes FROM entries WHERE instr(bytes, ?) > 0"),
  };
}

/** The chains of one home: {@link SqlLog} adds what is kept beside them. */
export class SqlChains {
  readonly #s: ReturnType<typeof statements>;

  constructor(db: Db) {
    this.#s = statements(db);
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

  /** Raw entries (of any author) whose bytes contain `needle`. */
  containing(needle: Uint8Array): Uint8Array[] {
    return (this.#s.containing.all(needle) as { bytes: Uint8Array }[]).map((r) => r.bytes);
  }
}
