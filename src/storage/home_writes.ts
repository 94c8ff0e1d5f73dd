/**
 * @module home_writes
 * How a {@link Home} changes (home_handle.ts hands out these methods): its
 * write transactions run one after another — a round's sessions share the
 * handle — and each first takes in what the handle's ingest streams hold
 * (ingest_stream.ts: a peer's entries, held and taken in together, each
 * batch in its own refetchable transaction, never across a network wait).
 * A member's first handshake message is taken in the same order. No write
 * reads this device's keys inside its transaction: they are read, and
 * signing made ready, before it begins (see {@link HomeWrites.write}).
 */

import { MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceKeys } from "../log/identity.ts";
import type { NowSigner } from "../log/sign_now.ts";
import { lazyImport } from "../lazy_import.ts";
import type { WriterSource } from "./home_transaction.ts";
import type { HomeWriter } from "./home_writer.ts";
import { HeldEntries, type IngestStream } from "./ingest_stream.ts";
import { SigningUnready } from "./signing_unready.ts";
import type { SqlLocal } from "./sql_local.ts";

/** A home's keys as its writes need them (home_keys.ts). */
export interface WriterKeys {
  /** Read them (once per handle: a keyring, a passphrase, a file). */
  get(): Promise<DeviceKeys>;
  /** Them, if read already; undefined otherwise. */
  loaded(): DeviceKeys | undefined;
}

/** The write side of one open home. */
export class HomeWrites {
  readonly #writable: boolean;
  readonly #source: WriterSource;
  readonly #now: () => number;
  /** Write transactions of this handle run one after another (sessions share it). */
  #writes: Promise<unknown> = Promise.resolve();
  /** What this handle's ingest streams hold, taken in by the next write (ingest_stream.ts). */
  readonly #held = new HeldEntries();
  readonly #keys: WriterKeys;
  /** The signer made ready before a transaction, and the keys it was made of. */
  #ready?: { keys: DeviceKeys; signer: NowSigner };

  /**
   * `source`: what a transaction's HomeWriter is made of but its signer
   * (home_transaction.ts); `keys`: where that comes from.
   */
  constructor(writable: boolean, source: Omit<WriterSource, "signer">, keys: WriterKeys) {
    this.#writable = writable;
    this.#keys = keys;
    // The signer only when made ready for the keys the handle holds now
    // (Home.useKeys may have replaced them).
    const signer = () => {
      const r = this.#ready;
      return r !== undefined && r.keys === keys.loaded() ? r.signer : undefined;
    };
    this.#source = { ...source, signer };
    this.#now = source.now;
  }

  /** See {@link Home.write}. */
  write<T>(
    fn: (w: HomeWriter) => Promise<T> | T,
    o: { refetchable?: boolean; signs?: boolean } = {},
  ): Promise<T> {
    if (!this.#writable) {
      return Promise.reject(
        new MycelError("internal", "change the home", "it was opened read-only"),
      );
    }
    const refetchable = o.refetchable ?? false;
    return this.#queue(async () => {
      await this.#takeHeld();
      if (o.signs && !refetchable) await this.#readySigning();
      try {
        return await this.#write(fn, refetchable);
      } catch (e) {
        // Its commit found the keys unread and ended the transaction, rolled
        // back: read them now, holding nothing, and run it again.
        if (!(e instanceof SigningUnready) || refetchable) throw e;
        await this.#readySigning();
        return await this.#write(fn, refetchable);
      }
    });
  }

  /**
   * Signing made ready before a transaction begins: the keys read (a key
   * file, a keyring tool that may wait for an unlock, a passphrase prompt,
   * scrypt), the code loaded and the curve's tables built (sign_now.ts
   * `ready`, some 50 ms the first time in a process) — all of which would
   * otherwise hold the home's write lock, and every other process of the
   * home (a `sync serve`, a timer's round) waiting for it. Only for a write
   * that signs: one that signs nothing (a served session's bookkeeping, a
   * command that only sets a local record) never reads the keys.
   */
  async #readySigning(): Promise<void> {
    const keys = await this.#keys.get();
    if (this.#ready?.keys === keys) return;
    const { readySigning } = await lazyImport<typeof import("./home_writer.ts")>(
      new URL("./home_writer.ts", import.meta.url),
    );
    this.#ready = { keys, signer: await readySigning(keys) };
  }

  /**
   * Run `job` after every write asked for before it, and before any asked for
   * after it (the snapshot a sync session's parts are cut from is taken so:
   * home_handle.ts `spooledParts`).
   */
  queued<T>(job: () => Promise<T>): Promise<T> {
    return this.#queue(job);
  }

  /** Run `job` after every write asked for before it (sessions share the handle). */
  #queue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(job);
    this.#writes = run.catch(() => {});
    return run;
  }

  /** Take in what ingest streams hold, each in its own refetchable transaction (ingest_stream.ts). */
  #takeHeld(): Promise<void> {
    return this.#held.takeEach((take) => this.#write(take, true));
  }

  async #write<T>(fn: (w: HomeWriter) => Promise<T> | T, refetchable: boolean): Promise<T> {
    // Loaded on the first write: commands that only read never load the
    // writing half (signing, ingest, the fold, refold).
    const { writeTransaction } = await lazyImport<
      typeof import("./home_transaction.ts")
    >(
      new URL("./home_transaction.ts", import.meta.url),
    );
    const r = await writeTransaction(this.#source, fn, refetchable);
    return r;
  }

  /** See {@link Home.holdsEntries}. */
  get holdsEntries(): boolean {
    return this.#held.holding;
  }

  /** See {@link Home.ingestStream}. */
  ingestStream(trusted?: ReadonlySet<DeviceKey>): IngestStream {
    // A peer's entries can be fetched again: no fsync per batch (db.ts).
    return this.#held.stream({
      flush: () => this.#queue(() => this.#takeHeld()),
      write: (fn) => this.write(fn, { refetchable: true }),
    }, trusted);
  }

  /** See {@link Home.takeFirstMessage}. */
  takeFirstMessage(ephemeral: Uint8Array, alsoIfNew?: (local: SqlLocal) => void): Promise<boolean> {
    if (!this.#writable) return Promise.resolve(true);
    const also = alsoIfNew && (() => alsoIfNew(this.#source.local));
    return this.#queue(async () => {
      // Loaded by the responder only: commands that never serve never load it.
      const { takeFirstMessage } = await lazyImport<typeof import("./first_messages.ts")>(
        new URL("./first_messages.ts", import.meta.url),
      );
      return takeFirstMessage(this.#source.db, ephemeral, this.#now(), also);
    });
  }
}
