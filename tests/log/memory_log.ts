/**
 * @module memory_log
 * A replica for pure tests: a {@link MemoryState} plus an in-memory log (the
 * chains, the entries set aside, fork reports) implementing `LogTarget`, so
 * the real `Ingest` and `foldEntry` run over it exactly as they run over the
 * SQLite home. `rebuilt()` folds every entry the replica holds (its chains
 * and what it set aside as waiting or past a cut, never fork evidence) into
 * a fresh replica, in an order the caller may shuffle: what a device
 * must end up with when a removal cut below entries it had folded.
 */

import { bytesEqual, toHex } from "../../src/bytes.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import {
  type AsideReason,
  Ingest,
  type IngestResult,
  type LogTarget,
} from "../../src/log/ingest.ts";
import { rebuildState } from "../../src/log/rebuild.ts";
import { hasRevoke, revokeEvents } from "../../src/log/removals.ts";
import { MemoryState } from "../../src/log/state_memory.ts";

/** An entry kept aside, with why. */
export interface AsideEntry {
  readonly entry: SignedEntry;
  readonly reason: AsideReason;
}

/** A fork report as `noteFork` received it. */
export interface ForkNote {
  readonly author: DeviceKey;
  readonly seq: number;
  readonly kept: Uint8Array;
  readonly other: Uint8Array;
}

/** MemoryState + chains + aside entries: a whole replica in memory. */
export class MemoryLog extends MemoryState implements LogTarget {
  /** Each author's chain, `chain[i]` holding seq i + 1. */
  readonly chains = new Map<DeviceKey, SignedEntry[]>();
  /** Entries kept aside, by `reason/hash`. */
  readonly aside = new Map<string, AsideEntry>();
  /** Fork reports, in the order noted. */
  readonly forkNotes: ForkNote[] = [];
  /** Authors whose first entries may fold before any admission (see Ingest). */
  readonly trusted: ReadonlySet<DeviceKey>;

  constructor(trusted: Iterable<DeviceKey> = []) {
    super();
    this.trusted = new Set(trusted);
  }

  head(author: DeviceKey): { seq: number; hash: Uint8Array } | undefined {
    const last = this.chains.get(author)?.at(-1);
    return last === undefined ? undefined : { seq: last.entry.seq, hash: last.hash };
  }

  hashAt(author: DeviceKey, seq: number): Uint8Array | undefined {
    return this.chains.get(author)?.[seq - 1]?.hash;
  }

  append(e: SignedEntry): void {
    const chain = this.chains.get(e.entry.author) ?? [];
    if (e.entry.seq !== chain.length + 1) {
      throw new Error(`append out of order: ${e.entry.author.short}#${e.entry.seq}`);
    }
    chain.push(e);
    this.chains.set(e.entry.author, chain);
  }

  setAside(e: SignedEntry, reason: AsideReason): boolean {
    const k = `${reason}/${toHex(e.hash)}`;
    const fresh = !this.aside.has(k);
    this.aside.set(k, { entry: e, reason });
    return fresh;
  }

  asideRemovals(): boolean {
    return this.asideFor("past_cut").some((e) => hasRevoke(e.entry));
  }

  takeWaiting(author: DeviceKey): SignedEntry[] {
    const out: SignedEntry[] = [];
    for (const [k, a] of this.aside) {
      if (a.reason === "waiting" && a.entry.entry.author === author) {
        out.push(a.entry);
        this.aside.delete(k);
      }
    }
    return out.sort((a, b) => a.entry.seq - b.entry.seq);
  }

  noteFork(author: DeviceKey, seq: number, kept: Uint8Array, other: Uint8Array): void {
    this.forkNotes.push({ author, seq, kept, other });
  }

  /** Entries kept aside for `reason`, by author then seq. */
  asideFor(reason: AsideReason): SignedEntry[] {
    return [...this.aside.values()].filter((a) => a.reason === reason).map((a) => a.entry)
      .sort((a, b) => a.entry.author.compare(b.entry.author) || a.entry.seq - b.entry.seq);
  }

  /** Every entry in the chains, author by author. */
  chained(): SignedEntry[] {
    return [...this.chains.values()].flat();
  }

  /** Take in `raw` entries in one ingest session; returns its result. */
  async receive(raw: readonly Uint8Array[]): Promise<IngestResult> {
    const ingest = new Ingest(this, this.trusted);
    await ingest.push(raw);
    return ingest.finish();
  }

  /**
   * A fresh replica (same trusted authors) that took in every entry this one
   * holds — chains, waiting and past-cut entries — in one ingest session, as
   * the batches `split` makes of them (one batch, in order, by default).
   * `refold` says whether that ingest asked for a fold from scratch
   * ({@link refolded}), as a removal cutting below folded entries or a race
   * of removals does.
   */
  async rebuilt(
    split: (entries: SignedEntry[]) => SignedEntry[][] = (x) => [x],
  ): Promise<{ replica: MemoryLog; refold: boolean }> {
    const all = [...this.chained(), ...this.asideFor("waiting"), ...this.asideFor("past_cut")];
    const fresh = new MemoryLog(this.trusted);
    const ingest = new Ingest(fresh, fresh.trusted);
    for (const batch of split(all)) await ingest.pushDecoded(batch);
    return { replica: fresh, refold: ingest.finish().refold };
  }

  /**
   * This replica folded again from scratch exactly as a home does it
   * (src/storage/refold.ts over src/log/rebuild.ts): entries set aside past
   * a cut or waiting come back where they link; what may not fold goes aside
   * again. Fork evidence is carried over untouched.
   */
  async refolded(): Promise<MemoryLog> {
    const fresh = new MemoryLog(this.trusted);
    const chains = new Map<DeviceKey, SignedEntry[]>();
    for (const [a, c] of this.chains) chains.set(a, [...c]);
    const loose: AsideEntry[] = [];
    const back = [...this.aside.values()].filter((a) => a.reason !== "fork")
      .sort((x, y) =>
        x.entry.entry.author.compare(y.entry.entry.author) || x.entry.entry.seq - y.entry.entry.seq
      );
    for (const a of back) {
      const e = a.entry;
      const list = chains.get(e.entry.author) ?? [];
      const last = list.at(-1);
      const links = e.entry.seq === list.length + 1 &&
        (last === undefined ? e.entry.prev === null : e.entry.prev !== null &&
          bytesEqual(e.entry.prev, last.hash));
      if (links) chains.set(e.entry.author, [...list, e]);
      else loose.push(a);
    }
    const events = [...chains.values()].flat().flatMap((e) => revokeEvents(e.entry));
    await rebuildState(fresh, {
      authors: () => chains.keys(),
      read: (a, after, limit) => (chains.get(a) ?? []).slice(after, after + limit),
    }, { reset: () => fresh.clear(), events, trusted: this.trusted });
    for (const [a, list] of chains) {
      const seen = fresh.seen(a);
      if (seen > 0) fresh.chains.set(a, list.slice(0, seen));
      const row = fresh.member(a);
      const reason = row?.removed !== undefined && row.added !== undefined ? "past_cut" : "waiting";
      for (const e of list.slice(seen)) fresh.setAside(e, reason);
    }
    for (const a of loose) fresh.setAside(a.entry, a.reason);
    for (const a of this.aside.values()) if (a.reason === "fork") fresh.setAside(a.entry, "fork");
    fresh.forkNotes.push(...this.forkNotes);
    return fresh;
  }
}
