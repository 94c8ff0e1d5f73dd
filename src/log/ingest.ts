/**
 * @module ingest
 * Taking in entries from anyone: the rules every entry passes before it is
 * stored or folded, whatever holds the log (SQLite or memory). Pure apart
 * from signature checks (WebCrypto, async).
 *
 * - Shape: strict decode (refusals name the reason; nothing stored).
 * - Author: admitted and, if removed, within its cut. Entries of a device not
 *   admitted yet wait in memory for an admission later in the same session;
 *   entries past a cut are set aside (`past_cut`), never folded, never lost.
 * - Chain: a run of an author's consecutive entries extends our head (seq and
 *   prev hash). The run is authenticated by the chain and the signature of
 *   its last entry — every prev commits to the whole entry before it. A run
 *   ends where the next entry does not link (that entry is then judged
 *   against the new head). When the last entry's signature fails, the one
 *   before it is checked: if it verifies, only the last entry is refused (a
 *   damaged disk or a bit flipped in one entry costs that entry); if not,
 *   the whole run is refused and none of it is kept.
 * - Fork: a second, validly signed entry for an (author, seq) we hold is kept
 *   aside as evidence with ours and reported; an unsigned claim is not a fork.
 */

import { bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { DeviceKey } from "./device_key.ts";
import {
  decodeSignedEntry,
  type Entry,
  loadEntryHasher,
  type SignedEntry,
  verifyEntrySignature,
} from "./entry.ts";
import { foldEntry } from "./fold.ts";
import { mayFold } from "./membership.ts";
import { hasRevoke } from "./removals.ts";
import type { StateStore } from "./state.ts";

/** Batches this large load the faster entry hasher first (see loadEntryHasher). */
const LARGE_BATCH = 64;

/** Why an entry was set aside instead of folded. */
export type AsideReason = "fork" | "past_cut" | "waiting";

/** Where ingest stores what it accepts. */
export interface LogTarget extends StateStore {
  /** Last entry of `author`'s stored chain. */
  head(author: DeviceKey): { seq: number; hash: Uint8Array } | undefined;
  /** Hash of our stored entry `author#seq`, if we hold it. */
  hashAt(author: DeviceKey, seq: number): Uint8Array | undefined;
  /** Append a verified entry to its author's chain (the fold follows). */
  append(e: SignedEntry): void;
  /** Keep an entry aside; idempotent (true when it was not aside before). */
  setAside(e: SignedEntry, reason: AsideReason): boolean;
  /** True when some entry kept aside past a cut holds a removal (see removals.ts). */
  asideRemovals(): boolean;
  /** Entries of `author` kept aside as `waiting`, in seq order (they may fold now). */
  takeWaiting(author: DeviceKey): SignedEntry[];
  /** A fork: `other` is a validly signed entry for a seq where we hold `kept`. */
  noteFork(author: DeviceKey, seq: number, kept: Uint8Array, other: Uint8Array): void;
  /** Called when a push is done: write whatever the target put off (e.g. chain heads). */
  settle?(): void;
}

/** An entry that was not accepted, and why. */
export interface Refusal {
  /** Author the entry claims (undefined when undecodable). */
  author?: DeviceKey;
  /** Its seq (0 when undecodable). */
  seq: number;
  /** Stable reason code. */
  code: "malformed" | "bad_signature" | "not_member" | "gap" | "fork_branch";
  /** Human reason. */
  reason: string;
}

/** What an ingest did. */
export interface IngestResult {
  /** Entries stored and folded. */
  accepted: number;
  /** Entries we already had. */
  duplicates: number;
  /** Entries set aside past a removal cut. */
  pastCut: number;
  /** Forks found (the other entry kept aside). */
  forks: { author: DeviceKey; seq: number }[];
  /** Entries refused (at most 1000 listed). */
  refused: Refusal[];
  /** Refusals in total. */
  refusedCount: number;
  /** A removal narrowed a cut below folded entries: the caller must refold. */
  refold: boolean;
}

/** Stateful ingest of one peer's entries, batch by batch. */
export class Ingest {
  #target: LogTarget;
  readonly #pending = new Map<DeviceKey, SignedEntry[]>();
  /** Entries taken back from the waiting set: if they still cannot fold, they go back, never lost. */
  readonly #fromAside = new Set<SignedEntry>();
  /** What this ingest did so far. */
  readonly result: IngestResult = {
    accepted: 0,
    duplicates: 0,
    pastCut: 0,
    forks: [],
    refused: [],
    refusedCount: 0,
    refold: false,
  };

  readonly #trusted: ReadonlySet<DeviceKey>;
  readonly #salvage: boolean;

  /**
   * Ingest into `target`. `trusted` authors may bootstrap their own admission
   * (their first entries come before any admission of them): this device's own
   * log, when a home is rebuilt from it. `salvage` (rebuilding from our own
   * disk, never for a peer's bytes) keeps the intact prefix of a run whose
   * last entry fails its signature instead of refusing the run.
   */
  constructor(target: LogTarget, trusted: ReadonlySet<DeviceKey> = new Set(), salvage = false) {
    this.#target = target;
    this.#trusted = trusted;
    this.#salvage = salvage;
  }

  /**
   * Go on in `target`: a stream's batches may be taken in by several
   * transactions, and the one taking a batch in must be the one that
   * records what it did (the heads it moved, the clock it advanced).
   */
  moveTo(target: LogTarget): void {
    this.#target.settle?.();
    this.#target = target;
  }

  /** True when `author`'s entry `seq` may be folded now. */
  #mayFold(author: DeviceKey, seq: number): boolean {
    const row = this.#target.member(author);
    if (row?.added === undefined && row?.removed === undefined) return this.#trusted.has(author);
    return mayFold(row, seq);
  }

  /**
   * Decode and take in raw entries (any authors, any order). `hashes`, when
   * given, are the SHA-256 of each of `raw`, computed by this process.
   */
  async push(raw: readonly Uint8Array[], hashes?: readonly Uint8Array[]): Promise<void> {
    if (raw.length >= LARGE_BATCH && hashes === undefined) await loadEntryHasher();
    for (let i = 0; i < raw.length; i++) {
      const bytes = raw[i];
      let e: SignedEntry;
      try {
        e = decodeSignedEntry(bytes, hashes?.[i]);
      } catch (err) {
        const reason = err instanceof MycelError
          ? err.message.replace(/^Cannot [^:]*: /, "")
          : String(err);
        this.#refuse({ seq: 0, code: "malformed", reason });
        continue;
      }
      this.#queue(e);
    }
    await this.#drain();
  }

  /** Take in entries already decoded (e.g. from our own store). */
  async pushDecoded(entries: readonly SignedEntry[]): Promise<void> {
    for (const e of entries) this.#queue(e);
    await this.#drain();
  }

  #requeue(author: DeviceKey): void {
    for (const w of this.#target.takeWaiting(author)) {
      this.#fromAside.add(w);
      this.#queue(w);
    }
  }

  #queue(e: SignedEntry): void {
    const list = this.#pending.get(e.entry.author);
    if (list === undefined) this.#pending.set(e.entry.author, [e]);
    else list.push(e);
  }

  /** End of the peer's entries: whatever still waits is refused (or, if it was kept aside, kept again). */
  finish(): IngestResult {
    for (const [author, list] of this.#pending) {
      const kept = list.filter((e) => this.#fromAside.has(e));
      for (const e of kept) this.#target.setAside(e, "waiting");
      list.splice(0, list.length, ...list.filter((e) => !this.#fromAside.has(e)));
      const row = this.#target.member(author);
      const why = row?.added !== undefined || this.#trusted.has(author)
        ? { code: "gap" as const, reason: "earlier entries of its author are missing" }
        : { code: "not_member" as const, reason: "its author is not a member of this mesh" };
      for (const e of list) this.#refuse({ author, seq: e.entry.seq, ...why });
    }
    this.#pending.clear();
    return this.result;
  }

  /**
   * `e` shows that its author signed something else than `kept` at `seq`:
   * kept aside as fork evidence when its own signature verifies (evidence,
   * not a claim), else refused.
   */
  async #forkEvidence(
    e: SignedEntry,
    seq: number,
    kept: Uint8Array,
    other: Uint8Array,
  ): Promise<void> {
    const author = e.entry.author;
    if (await verifyEntrySignature(e)) {
      this.#target.setAside(e, "fork");
      this.#target.noteFork(author, seq, kept, other);
      this.result.forks.push({ author, seq });
    } else {
      this.#refuse({
        author,
        seq: e.entry.seq,
        code: "bad_signature",
        reason: "its signature does not verify",
      });
    }
  }

  #refuse(r: Refusal): void {
    this.result.refusedCount++;
    if (this.result.refused.length < 1000) this.result.refused.push(r);
  }

  async #drain(): Promise<void> {
    try {
      await this.#drainRuns();
    } finally {
      this.#target.settle?.();
    }
  }

  async #drainRuns(): Promise<void> {
    for (let progress = true; progress;) {
      progress = false;
      for (const [author, list] of [...this.#pending]) {
        const row = this.#target.member(author);
        if (row?.added === undefined && !this.#trusted.has(author)) continue; // may be admitted later
        list.sort((a, b) => a.entry.seq - b.entry.seq);
        const consumed = await this.#takeRun(author, list);
        if (consumed > 0) progress = true;
        list.splice(0, consumed);
        if (list.length === 0) this.#pending.delete(author);
      }
    }
  }

  /** Store what of `list` (sorted) extends `author`'s chain; returns how many were consumed. */
  async #takeRun(author: DeviceKey, list: SignedEntry[]): Promise<number> {
    const t = this.#target;
    // First, before any await: a target may write what it put off when a head is read.
    const head = t.head(author);
    let i = 0;
    // Entries we hold already: duplicates, or the other branch of a fork.
    for (; i < list.length && list[i].entry.seq <= (head?.seq ?? 0); i++) {
      const e = list[i];
      const mine = t.hashAt(author, e.entry.seq);
      if (mine === undefined || bytesEqual(mine, e.hash)) {
        this.result.duplicates++; // ours, or older than what we keep (compacted)
      } else await this.#forkEvidence(e, e.entry.seq, mine, e.hash);
    }
    // The run that links onto our head: consecutive seqs, each naming the hash of the one before.
    const run: SignedEntry[] = [];
    let prevHash = head?.hash;
    for (let j = i; j < list.length; j++) {
      const e = list[j];
      if (e.entry.seq !== (head?.seq ?? 0) + run.length + 1) break;
      if (prevHash !== undefined && !bytesEqual(e.entry.prev!, prevHash)) {
        // Inside the run, a broken link says an entry before it is not what
        // its author signed (or belongs to another branch): the run ends
        // there, the signature check below decides it, and the rest is tried
        // again against what we store. Only a link onto our stored head,
        // which we verified, can show a fork.
        if (run.length > 0) break;
        // Links onto a different entry at our head's seq: a fork, if signed.
        await this.#forkEvidence(e, e.entry.seq - 1, prevHash, e.entry.prev!);
        // What follows is that other branch: refused, and said so (its first
        // entry, kept aside above, is the evidence).
        for (const rest of list.slice(j + 1)) {
          this.#refuse({
            author,
            seq: rest.entry.seq,
            code: "fork_branch",
            reason: "it continues the other branch of its author's forked log",
          });
        }
        return list.length;
      }
      run.push(e);
      prevHash = e.hash;
    }
    if (run.length === 0) return i;
    const consumed = i + run.length;
    if (!(await verifyEntrySignature(run[run.length - 1]))) {
      // Network: the run is refused as a whole — one altered byte anywhere
      // breaks the chain or the last signature, and no signature vouches for
      // any of it; an honest peer sends it intact next time. Salvage (repair
      // and migration of our own disk): keep the longest prefix whose entries
      // all verify. What follows a refused entry waits for it.
      let good = 0;
      if (this.#salvage) {
        while (good < run.length && await verifyEntrySignature(run[good])) good++;
      }
      for (const e of run.slice(good)) {
        const whole = good === 0 && !this.#salvage && e !== run[run.length - 1];
        this.#refuse({
          author,
          seq: e.entry.seq,
          code: "bad_signature",
          reason: whole
            ? "the run it belongs to does not verify (altered in transit?)"
            : "its signature does not verify",
        });
      }
      if (good === 0) return consumed;
      run.splice(good);
    }
    for (const e of run) {
      if (!this.#mayFold(author, e.entry.seq)) {
        // A removal in an entry past a cut may still count (removals racing:
        // removals.ts): only a fold from scratch can decide. Once per entry.
        if (t.setAside(e, "past_cut") && hasRevoke(e.entry)) this.result.refold = true;
        this.result.pastCut++;
        continue;
      }
      t.append(e);
      const folded = foldEntry(t, e.entry);
      this.result.accepted++;
      if (folded.refold || needsRefold(t, e.entry)) this.result.refold = true;
      for (const k of folded.membership) this.#requeue(k);
    }
    this.#requeue(author); // entries kept aside after a gap may follow now
    return consumed;
  }
}

/**
 * True when folding `entry` may change which removals count beyond what the
 * fold itself saw: it holds a removal while removals sit in entries kept
 * aside past a cut (a new removal may attack one of them: removals.ts).
 */
export function needsRefold(target: Pick<LogTarget, "asideRemovals">, entry: Entry): boolean {
  return hasRevoke(entry) && target.asideRemovals();
}
