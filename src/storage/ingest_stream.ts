/**
 * @module ingest_stream
 * A peer's entries as they stream in (see Home.ingestStream). Pushes are
 * held in memory and taken in together: one write transaction per about
 * {@link HOLD_ENTRIES} entries (or {@link HOLD_BYTES}, or once the first held
 * push is {@link HOLD_MS} old), and the rest at `finish`. The transaction
 * starts only when its entries are all here, so it is never held across a
 * network wait.
 *
 * Why: within one transaction the state caches `versions` rows and writes
 * each key once when it commits (sql_versions.ts), so a history that
 * rewrites a few hundred keys thousands of times costs one write per key per
 * transaction instead of one per entry, and one commit instead of sixteen.
 *
 * Durability is unchanged in kind: a peer's entries can be fetched again
 * (the header of db.ts). Any other write on the home first takes in what
 * streams hold ({@link HeldEntries.takeAll}), so writes still commit in the
 * order they were asked for (entries, then a checkpoint the peer sent after
 * them); entries held when a session breaks are taken in by the handle's
 * next write, or fetched again next round if the process ends first.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { Ingest, IngestResult } from "../log/ingest.ts";
import type { HomeWriter } from "./home_writer.ts";

/** Entries held before they are taken in (one transaction's worth). */
export const HOLD_ENTRIES = 16_384;
/** Bytes held before they are taken in: bounds memory whatever the entries' size. */
export const HOLD_BYTES = 16 * 1024 * 1024;
/** Age of the first held push after which the next push takes them in (a slow peer). */
export const HOLD_MS = 1_000;

/** A peer's entries, taken in batch by batch. */
export interface IngestStream {
  /** Hand over one batch: checked, stored and folded with those held before it. */
  push(raw: readonly Uint8Array[]): Promise<void>;
  /** The peer is done: what is held is taken in; what still waits is refused. */
  finish(): Promise<IngestResult>;
}

type Write = <T>(fn: (w: HomeWriter) => Promise<T> | T) => Promise<T>;

/** What every open stream of one home holds (Home.#write takes it in first). */
export class HeldEntries {
  readonly #takers = new Set<(w: HomeWriter) => Promise<void>>();

  /** Take in everything held, into the transaction of `w`. */
  async takeAll(w: HomeWriter): Promise<void> {
    for (const take of [...this.#takers]) await take(w);
  }

  /** A stream over `write` (a refetchable write on the home). */
  stream(write: Write, trusted?: ReadonlySet<DeviceKey>): IngestStream {
    let ingest: Ingest | undefined;
    let held: (readonly Uint8Array[])[] = [];
    let entries = 0, bytes = 0, since = 0;
    const take = async (w: HomeWriter) => {
      this.#takers.delete(take);
      const batches = held;
      held = [];
      entries = bytes = 0;
      ingest ??= w.ingest(trusted);
      for (const raw of batches) await w.pushIngest(ingest, raw);
    };
    return {
      push: (raw) => {
        if (raw.length === 0) return Promise.resolve();
        if (held.length === 0) since = performance.now();
        held.push(raw);
        this.#takers.add(take);
        entries += raw.length;
        for (const r of raw) bytes += r.length;
        if (entries < HOLD_ENTRIES && bytes < HOLD_BYTES && performance.now() - since < HOLD_MS) {
          return Promise.resolve();
        }
        return write(() => {}); // the write takes in what is held first
      },
      finish: () =>
        write((w) => {
          ingest ??= w.ingest(trusted);
          return w.finishIngest(ingest);
        }),
    };
  }
}
