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
 * - Chain and fork: each author's entries, in seq order, are judged against
 *   its stored chain (ingest_run.ts).
 *
 * Here: the queue — decoding, holding each author's entries until its
 * admission is known, taking them back from the waiting set, and what is
 * left at the end. The contract with the log and the report are in
 * ingest_types.ts; this module re-exports them, the path importers use.
 */

import { MycelError } from "../errors.ts";
import type { DeviceKey } from "./device_key.ts";
import { decodeSignedEntry, loadEntryHasher, type SignedEntry } from "./entry.ts";
import { type RunContext, takeRun } from "./ingest_run.ts";
import {
  emptyIngestResult,
  type IngestResult,
  type LogTarget,
  type Refusal,
} from "./ingest_types.ts";
import { mayFold } from "./membership.ts";

export type { AsideReason, IngestResult, LogTarget, Refusal } from "./ingest_types.ts";
export { needsRefold } from "./ingest_run.ts";

/** Batches this large load the faster entry hasher first (see loadEntryHasher). */
const LARGE_BATCH = 64;

/** Stateful ingest of one peer's entries, batch by batch. */
export class Ingest {
  #target: LogTarget;
  readonly #pending = new Map<DeviceKey, SignedEntry[]>();
  /** Entries taken back from the waiting set: if they still cannot fold, they go back, never lost. */
  readonly #fromAside = new Set<SignedEntry>();
  /** What this ingest did so far. */
  readonly result: IngestResult = emptyIngestResult();

  readonly #trusted: ReadonlySet<DeviceKey>;
  /** What the chain rules (ingest_run.ts) see of this ingest. */
  readonly #run: RunContext;

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
    this.#run = {
      target: () => this.#target,
      result: this.result,
      salvage,
      refuse: (r) => this.#refuse(r),
      mayFold: (author, seq) => this.#mayFold(author, seq),
      requeue: (author) => this.#requeue(author),
    };
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
        const consumed = await takeRun(this.#run, author, list);
        if (consumed > 0) progress = true;
        list.splice(0, consumed);
        if (list.length === 0) this.#pending.delete(author);
      }
    }
  }
}
