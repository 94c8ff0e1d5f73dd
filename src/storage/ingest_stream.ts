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
 * streams hold ({@link HeldEntries.takeEach}), each stream in a transaction
 * of its own, so writes still commit in the order they were asked for
 * (entries, then a checkpoint the peer sent after them) and a write that
 * fails rolls back only itself; entries held when a session breaks are
 * taken in by the handle's next write, or fetched again next round if the
 * process ends first.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { Ingest, IngestResult } from "../log/ingest.ts";
import { emptyIngestResult } from "../log/ingest_types.ts";
import type { HomeWriter } from "./home_writer.ts";
import { EntryHashes } from "./entry_hashes.ts";

/** Entries held before they are taken in (one transaction's worth). */
export const HOLD_ENTRIES = 16_384;
/** Bytes held before they are taken in: bounds memory whatever the entries' size. */
export const HOLD_BYTES = 16 * 1024 * 1024;
/** Age of the first held push after which the next push takes them in (a slow peer). */
export const HOLD_MS = 1_000;
/** Entries a stream has been given before it hashes them on a second thread (entry_hashes.ts). */
export const HASH_APART_FROM = 8_192;

/** One push, and its hashes when a worker computes them. */
interface Held {
  readonly raw: readonly Uint8Array[];
  readonly hashes?: Promise<readonly Uint8Array[] | undefined>;
}

/** A peer's entries, taken in batch by batch. */
export interface IngestStream {
  /** Hand over one batch: checked, stored and folded with those held before it. */
  push(raw: readonly Uint8Array[]): Promise<void>;
  /** The peer is done: what is held is taken in; what still waits is refused. */
  finish(): Promise<IngestResult>;
  /**
   * The session ended without `finish` (idempotent; `finish` does it too):
   * stops the hashing thread. What is held is still taken in by the
   * home's next write.
   */
  close(): void;
}

type Write = <T>(fn: (w: HomeWriter) => Promise<T> | T) => Promise<T>;

/** What every open stream of one home holds (Home takes it in before any other write). */
export class HeldEntries {
  /** Each stream's taker, and how it learns that its transaction failed. */
  readonly #takers = new Map<(w: HomeWriter) => Promise<void>, (err: unknown) => void>();

  /**
   * Take in what each stream holds, each in a transaction of its own run by
   * `write` (the caller's write queue), so a write that fails afterwards
   * never rolls a peer's entries back, and one stream's failure is that
   * stream's alone: it is kept and given to its next push or finish. That
   * includes a failure after `take` returned: the commit itself (a full
   * disk is mostly met there, when SQLite writes the pages out). Before,
   * only a throw inside `take` was kept, so a commit that failed dropped the
   * held entries while the stream still counted them as taken in: the round
   * said "synced, received N", exited 0 and acked them to the peer, every
   * round, with nothing stored.
   */
  async takeEach(write: Write): Promise<void> {
    for (const [take, fail] of [...this.#takers]) {
      try {
        await write(take);
      } catch (err) {
        fail(err);
      }
    }
  }

  /**
   * True while some stream's entries are held, not taken in yet (a broken
   * session's stay so until the home's next write): a `sync serve --listen`
   * keeps a session's places until then (serve.ts).
   */
  get holding(): boolean {
    return this.#takers.size > 0;
  }

  /**
   * A stream of a peer's entries: `flush` takes in what streams hold (in the
   * home's write queue), `write` is a refetchable write on the home (which
   * takes held entries in first).
   */
  stream(
    o: { flush: () => Promise<void>; write: Write },
    trusted?: ReadonlySet<DeviceKey>,
  ): IngestStream {
    let ingest: Ingest | undefined;
    let held: Held[] = [];
    let entries = 0, bytes = 0, since = 0, given = 0;
    let hasher: EntryHashes | undefined;
    /** Why taking this stream's entries in failed (maybe before another write): it fails too. */
    let failed: unknown;
    const take = async (w: HomeWriter) => {
      this.#takers.delete(take);
      const batches = held;
      held = [];
      entries = bytes = 0;
      ingest ??= w.ingest(trusted);
      for (const b of batches) await w.pushIngest(ingest, b.raw, await b.hashes);
    };
    const fail = (err: unknown) => failed ??= err;
    return {
      push: async (raw) => {
        if (failed !== undefined) throw failed;
        if (raw.length === 0) return;
        if (held.length === 0) since = performance.now();
        given += raw.length;
        if (given >= HASH_APART_FROM) hasher ??= new EntryHashes();
        held.push({ raw, hashes: hasher?.hashes(raw) });
        this.#takers.set(take, fail);
        entries += raw.length;
        for (const r of raw) bytes += r.length;
        if (entries < HOLD_ENTRIES && bytes < HOLD_BYTES && performance.now() - since < HOLD_MS) {
          return;
        }
        await o.flush();
        if (failed !== undefined) throw failed;
      },
      finish: async () => {
        // Given nothing: no transaction. A session that brought nothing
        // would otherwise end only once the write lock came free (another
        // process may hold it for long) and keep its listener's places.
        if (ingest === undefined && held.length === 0 && failed === undefined) {
          hasher?.close();
          return emptyIngestResult();
        }
        let result: IngestResult;
        try {
          result = await o.write((w) => {
            ingest ??= w.ingest(trusted);
            return w.finishIngest(ingest);
          });
        } finally {
          hasher?.close();
        }
        if (failed !== undefined) throw failed; // its held entries were lost: not a clean finish
        return result;
      },
      close: () => hasher?.close(),
    };
  }
}
