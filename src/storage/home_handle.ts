/**
 * @module home_handle
 * The one handle that owns a home for the life of a command: open once
 * (migrating a pre-database home first), read through views, change it only
 * through {@link Home.write} (one transaction: commit ops, ingest entries,
 * record a session, adopt a mesh), close. Nothing outside src/storage
 * mutates state or bookkeeping. Here: opening, the keys, the changes and
 * what is signed. Reading is home_view.ts (which Home builds on), opening
 * (and its options) home_open.ts, its keys home_keys.ts, the order of
 * writes and the intake of held entries home_writes.ts, each write
 * transaction and what follows it home_transaction.ts, signing the state
 * home_signed.ts and compaction home_compact.ts (the last three loaded only
 * when used).
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceKeys } from "../log/identity.ts";
import type { Checkpoint } from "../log/checkpoint.ts";
import type { PartedCheckpoint } from "../log/checkpoint_parts.ts";
import type { ImportResult, KnownHeads } from "./home_checkpoint.ts";
import type { SnapshotReader } from "./snapshot_reader.ts";
import type { CompactionOptions } from "./compaction.ts";
import type { CompactionResult } from "./home_compact.ts";
import type { Db } from "./db.ts";
import type { SignedSource } from "./home_signed.ts";
import { HomeKeys } from "./home_keys.ts";
import { HomeView } from "./home_view.ts";
import { HomeWrites } from "./home_writes.ts";
import type { HomePaths } from "./home.ts";
import { handBack } from "./home_guard.ts";
import { homeExists, type HomeOptions, openHomeDb } from "./home_open.ts";
export type { HomeOptions };
import type { HomeWriter } from "./home_writer.ts";
import type { SqlLocal } from "./sql_local.ts";
import type { IngestStream } from "./ingest_stream.ts";
export type { IngestStream };
import { lazyImport } from "../lazy_import.ts";
import type { SpooledParts } from "./parts_spool.ts";
import type { NoisePair } from "./noise_cache.ts";

/** An open home. */
export class Home extends HomeView {
  readonly #writable: boolean;
  readonly #owner: number | undefined;
  /** This device's private keys, read once (home_keys.ts). */
  readonly #keys: HomeKeys;
  /** Write transactions, in order, and what ingest streams hold (home_writes.ts). */
  readonly #writes: HomeWrites;

  private constructor(
    paths: HomePaths,
    db: Db,
    writable: boolean,
    options: HomeOptions,
    owner: number | undefined,
  ) {
    super(paths, db, options);
    this.#writable = writable;
    this.#owner = owner;
    const p = this.parts;
    this.#keys = new HomeKeys({
      paths,
      device: this.device.id,
      env: p.env,
      signal: options.signal,
    });
    this.#writes = new HomeWrites(writable, {
      db,
      paths,
      device: this.device,
      state: p.state,
      log: p.log,
      local: p.local,
      folderLocal: p.folderLocal,
      clock: () => this.clock,
      now: p.now,
    }, this.#keys);
  }

  /** True when `root` holds a home (of any format; an empty database left by a crash is none). */
  static async exists(root: string): Promise<boolean> {
    return await homeExists(root);
  }

  /**
   * Open the home at `root`. `not_initialized` when there is none; a home made
   * before the database is migrated first (once, crash-safely: home_open.ts).
   */
  static async open(root: string, options: HomeOptions = {}): Promise<Home> {
    const { paths, db, writable, owner } = await openHomeDb(root, options);
    try {
      const home = new Home(paths, db, writable, options, owner);
      // Root in a user's home: the -wal and -shm files SQLite just made go back to the user.
      await handBack(paths, owner);
      return home;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  /** Wrap a database another module just created (init, pairing). */
  static async adopt(root: string, options: HomeOptions = {}): Promise<Home> {
    return await Home.open(root, { ...options, write: true });
  }

  /** This device's private keys (read once, from wherever the home keeps them). */
  keys(): Promise<DeviceKeys> {
    return this.#keys.get();
  }

  /**
   * This device's Noise keys, read without opening sealed or keyring keys
   * whenever they can be (home_noise.ts): a responder answers a handshake
   * before anything costly or secret is touched.
   */
  noiseKeys(): Promise<NoisePair> {
    return this.#keys.noise({
      paths: this.paths,
      device: this.device,
      view: this.view,
      local: this.local,
      env: this.parts.env,
      keepInDb: this.#writable ? (pair) => this.write((w) => w.setNoiseKeys(pair)) : undefined,
    });
  }

  /** Use `keys` instead of reading them (right after creating the home). */
  useKeys(keys: DeviceKeys): void {
    this.#keys.use(keys);
  }

  /**
   * Change the home: `fn` runs inside one write transaction and everything it
   * does is kept together, or nothing is (disk full, read-only, a throw).
   * The keys are never read inside it (home_writes.ts): a keyring waiting
   * for an unlock or a passphrase prompt would hold the home meanwhile. When
   * `fn`'s first commit finds them unread, the transaction is rolled back,
   * they are read, and `fn` runs again from the start: what it does before
   * committing must bear being done twice (reading the home, changing it —
   * rolled back — is; making a folder or reading a stream is not). `signs`
   * says `fn` commits this device's changes, so the keys are read before the
   * transaction begins and it runs once.
   */
  write<T>(
    fn: (w: HomeWriter) => Promise<T> | T,
    o: { refetchable?: boolean; signs?: boolean } = {},
  ): Promise<T> {
    return this.#writes.write(fn, o);
  }

  /**
   * Take in a peer's entries as they stream in: pushes are held and taken in
   * together, one short write transaction per some thousands of entries
   * (never held across a network wait; see ingest_stream.ts); entries whose
   * author's admission has not arrived yet wait in memory across pushes.
   */
  ingestStream(trusted?: ReadonlySet<DeviceKey>): IngestStream {
    return this.#writes.ingestStream(trusted);
  }

  /** True while a stream's entries are held in memory, not taken in yet (ingest_stream.ts). */
  holdsEntries(): boolean {
    return this.#writes.holdsEntries;
  }

  /** Join a member's checkpoint (already read and its signer checked) into this home. */
  takeCheckpoint(cp: Checkpoint): Promise<ImportResult> {
    return this.write((w) => w.takeCheckpoint(cp));
  }

  /**
   * A checkpoint of this home's state, signed by this device; for a peer
   * whose heads are `known`, its heads equal to theirs go without their
   * signed entries (home_checkpoint.ts, `frontierOf`).
   */
  async checkpoint(known?: KnownHeads): Promise<Uint8Array> {
    const signing = await this.#signing();
    // The frontier and the state's rows from one committed state: read over
    // many statements, another process's commit (a `sync serve` beside a
    // timer's `sync now`) could come between them, and the checkpoint then
    // held changes past the heads it claims (found by a review). Queued with
    // the writes: this handle's own transaction is never open meanwhile.
    return await this.#writes.queued(() =>
      this.snapshot(() => signing.signedCheckpoint(this.#signed(), known))
    );
  }

  /**
   * This home's state as a checkpoint in parts of about `partBytes` each
   * (src/log/checkpoint_parts.ts), for a state larger than one checkpoint
   * may be. Its parts are made again as they are taken: the state must not
   * change meanwhile (a change is named, `checkpoint_changed`). `between` is
   * awaited after each part made to hash it, before the head is signed.
   */
  async partedCheckpoint(
    partBytes?: number,
    between?: () => Promise<void>,
  ): Promise<PartedCheckpoint> {
    return (await this.#signing()).signedParts(this.#signed(), partBytes, between);
  }

  /** Signing the state, loaded when first used. */
  #signing(): Promise<typeof import("./home_signed.ts")> {
    return lazyImport<typeof import("./home_signed.ts")>(
      new URL("./home_signed.ts", import.meta.url),
    );
  }

  #signed(): SignedSource {
    return {
      db: this.parts.db,
      state: this.parts.state,
      log: this.parts.log,
      meta: () => ({ mesh: this.meshId, made: this.now() }),
      keys: () => this.keys(),
    };
  }

  /**
   * This home's state as a checkpoint in parts for a sync session, cut once
   * and spooled to disk (parts_spool.ts): the session stores the peer's
   * entries while it sends, which parts made twice would not survive. Cut
   * from a snapshot read through a connection of its own
   * (snapshot_reader.ts), taken after every write this handle was asked for
   * before and before any asked for after (as a snapshot queued with the
   * writes was); the cut then yields as it goes, and the writes of this
   * process's other sessions go on meanwhile without changing what is cut.
   * The caller disposes of it. `signal` stops the cut (parts_spool.ts); the
   * snapshot is released on every path. `began`: told once the snapshot is
   * taken (the wait for the queued writes is over: sync/cut_budget.ts).
   */
  async spooledParts(
    partBytes?: number,
    pauseMs?: number,
    signal?: AbortSignal,
    began?: () => void,
  ): Promise<SpooledParts> {
    const { Signer } = await lazyImport<typeof import("../log/identity.ts")>(
      new URL("../log/identity.ts", import.meta.url),
    );
    const { frontierOf } = await lazyImport<typeof import("./home_checkpoint.ts")>(
      new URL("./home_checkpoint.ts", import.meta.url),
    );
    const { spoolParts } = await lazyImport<typeof import("./parts_spool.ts")>(
      new URL("./parts_spool.ts", import.meta.url),
    );
    const signer = new Signer(await this.keys());
    // The frontier and the rows from the one snapshot, as for checkpoint() above.
    using snap = await this.#snapshotReader();
    began?.();
    return await spoolParts(
      snap.state,
      await frontierOf(snap.db, snap.log),
      { mesh: this.meshId, made: this.now() },
      signer,
      this.paths.root,
      partBytes,
      pauseMs,
      signal,
    );
  }

  /**
   * The same bytes as {@link checkpoint}, made a step at a time for a sync
   * session (whole_checkpoint.ts) from a snapshot of its own taken as
   * {@link spooledParts} takes one: the process's other sessions go on
   * meanwhile. `signal` stops it; the snapshot is released on every path.
   * `began` as for {@link spooledParts}. `pauseMs`: test only (whole_checkpoint.ts).
   */
  async wholeCheckpoint(
    o: { known?: KnownHeads; signal?: AbortSignal; pauseMs?: number; began?: () => void } = {},
  ): Promise<Uint8Array> {
    const { Signer } = await lazyImport<typeof import("../log/identity.ts")>(
      new URL("../log/identity.ts", import.meta.url),
    );
    const { wholeCheckpoint } = await lazyImport<typeof import("./whole_checkpoint.ts")>(
      new URL("./whole_checkpoint.ts", import.meta.url),
    );
    const signer = new Signer(await this.keys());
    using snap = await this.#snapshotReader();
    o.began?.();
    return await wholeCheckpoint(
      snap,
      { mesh: this.meshId, made: this.now() },
      signer,
      o,
    );
  }

  /**
   * A snapshot read through a connection of its own (snapshot_reader.ts),
   * taken after every write this handle was asked for before and before any
   * asked for after. The caller closes it.
   */
  async #snapshotReader(): Promise<SnapshotReader> {
    const { openSnapshot } = await lazyImport<typeof import("./snapshot_reader.ts")>(
      new URL("./snapshot_reader.ts", import.meta.url),
    );
    return await this.#writes.queued(() =>
      Promise.resolve(openSnapshot(this.paths.db, this.parts.now))
    );
  }

  /**
   * Compact: drop the entries `o.stable` says every live device holds that
   * are stamped before `o.cutoff`, leaving the base checkpoint to cover them
   * (home_compact.ts). The state is unchanged. `dryRun` plans only.
   */
  async compact(
    o: CompactionOptions & { dryRun?: boolean; keepDays?: number },
  ): Promise<CompactionResult> {
    const { compactHome } = await lazyImport<typeof import("./home_compact.ts")>(
      new URL("./home_compact.ts", import.meta.url),
    );
    return await compactHome({
      db: this.parts.db,
      dbPath: this.paths.db,
      log: this.parts.log,
      device: this.device,
      meshId: this.meshId,
      now: () => this.now(),
      write: (fn) => this.write(fn),
    }, o);
  }

  /**
   * Take a member's first handshake message, told by the initiator's
   * ephemeral key: false when a process of this home took it already (a
   * replay), true otherwise. One short transaction after this handle's
   * writes queued before it, waiting briefly for other processes'
   * (first_messages.ts). Call only once the handshake passed and the key is
   * a member's (or a removed device's): strangers must cost no write.
   * `alsoIfNew` changes local records in the same transaction when the
   * message is new (one write: a removed device's attempt, removed_tries.ts).
   */
  takeFirstMessage(
    ephemeral: Uint8Array,
    alsoIfNew?: (local: SqlLocal) => void,
  ): Promise<boolean> {
    return this.#writes.takeFirstMessage(ephemeral, alsoIfNew);
  }
}

/** Which device the home at `root` is (`not_initialized` when none); reads no key. */
export async function homeDevice(
  root: string,
  env: (name: string) => string | undefined,
): Promise<DeviceKey> {
  const home = await Home.open(root, { write: false, env });
  try {
    return home.device;
  } finally {
    home.close();
  }
}
