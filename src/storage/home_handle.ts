/**
 * @module home_handle
 * The one handle that owns a home for the life of a command: open once
 * (migrating a pre-database home first), read through views, change it only
 * through {@link Home.write} (one transaction: commit ops, ingest entries,
 * record a session, adopt a mesh), close. Nothing outside src/storage
 * mutates state or bookkeeping. Opening (and its options) is home_open.ts,
 * each write transaction and what follows it home_transaction.ts,
 * compaction home_compact.ts (the last two loaded only when used).
 */

import { HlcClock, MAX_DRIFT_MS } from "../crdt/hlc.ts";
import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { DeviceKeys } from "../log/identity.ts";
import type { Checkpoint } from "../log/checkpoint.ts";
import type { PartedCheckpoint } from "../log/checkpoint_parts.ts";
import type { StateView } from "../log/state.ts";
import type { ImportResult, KnownHeads } from "./home_checkpoint.ts";
import type { CompactionOptions } from "./compaction.ts";
import type { CompactionResult } from "./home_compact.ts";
import { stateDigest } from "../log/state_digest.ts";
import { type Db, guard } from "./db.ts";
import { sqliteError } from "./storage_errors.ts";
import type { HomePaths } from "./home.ts";
import { handBack } from "./home_guard.ts";
import { deviceOfHome, homeExists, type HomeOptions, openHomeDb } from "./home_open.ts";
export type { HomeOptions };
import { type LocalView, SqlLocal } from "./sql_local.ts";
import { type LogView, SqlLog } from "./sql_log.ts";
import { SqlState } from "./sql_state.ts";
import type { HomeWriter } from "./home_writer.ts";
import { HeldEntries, type IngestStream } from "./ingest_stream.ts";
export type { IngestStream };
import { type FolderLocalView, SqlFolderLocal } from "./sql_folder_local.ts";
import { lazyImport } from "../lazy_import.ts";
import type { NoisePair } from "./noise_cache.ts";

/** An open home. */
export class Home {
  /** Paths inside the home. */
  readonly paths: HomePaths;
  /** This device. */
  readonly device: DeviceKey;
  /** The replicated state, read-only. */
  readonly view: StateView;
  /** The logs, read-only (written through HomeWriter). */
  readonly log: LogView;
  /** Local bookkeeping, read-only (written through HomeWriter). */
  readonly local: LocalView;
  /** Synced folders' local records, read-only (written through HomeWriter.folderLocal). */
  readonly folderLocal: FolderLocalView;
  readonly #log: SqlLog;
  readonly #local: SqlLocal;
  readonly #folderLocal: SqlFolderLocal;
  readonly #db: Db;
  readonly #state: SqlState;
  readonly #writable: boolean;
  readonly #now: () => number;
  readonly #env: (name: string) => string | undefined;
  readonly #owner: number | undefined;
  readonly #signal: AbortSignal | undefined;
  #keys?: DeviceKeys;
  #closed = false;
  /** Write transactions of this handle run one after another (sessions share it). */
  #writes: Promise<unknown> = Promise.resolve();
  /** What this handle's ingest streams hold, taken in by the next write (ingest_stream.ts). */
  readonly #held = new HeldEntries();

  private constructor(
    paths: HomePaths,
    db: Db,
    writable: boolean,
    options: HomeOptions,
    owner: number | undefined,
  ) {
    this.paths = paths;
    this.#db = db;
    this.#writable = writable;
    this.#now = options.now ?? Date.now;
    this.#env = options.env ?? ((n) => Deno.env.get(n));
    this.#owner = owner;
    this.#signal = options.signal;
    this.#state = new SqlState(db);
    this.view = this.#state.view;
    this.log = this.#log = new SqlLog(db, this.#now);
    this.local = this.#local = new SqlLocal(db);
    this.folderLocal = this.#folderLocal = new SqlFolderLocal(db);
    this.device = deviceOfHome(this.local, paths);
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

  /** The mesh this device belongs to. */
  get meshId(): string {
    return String(this.local.meta("mesh") ?? "");
  }

  /** Current wall time (ms) from the injected clock. */
  now(): number {
    return this.#now();
  }

  /** Environment lookup this home was opened with. */
  env(name: string): string | undefined {
    return this.#env(name);
  }

  /** This device's private keys (read once, from wherever the home keeps them). */
  async keys(): Promise<DeviceKeys> {
    if (this.#keys === undefined) {
      const { loadDeviceKeys } = await lazyImport<typeof import("./key_home.ts")>(
        new URL("./key_home.ts", import.meta.url),
      );
      this.#keys = await loadDeviceKeys(this.paths, this.#env, {
        device: this.device.id,
        signal: this.#signal,
      });
    }
    return this.#keys;
  }

  /**
   * This device's Noise keys, read without opening sealed or keyring keys
   * whenever they can be (home_noise.ts): a responder answers a handshake
   * before anything costly or secret is touched.
   */
  async noiseKeys(): Promise<NoisePair> {
    const { noiseKeysOf } = await lazyImport<typeof import("./home_noise.ts")>(
      new URL("./home_noise.ts", import.meta.url),
    );
    return await noiseKeysOf({
      paths: this.paths,
      device: this.device,
      view: this.view,
      local: this.local,
      env: this.#env,
      keys: () => this.keys(),
      keepInDb: this.#writable ? (pair) => this.write((w) => w.setNoiseKeys(pair)) : undefined,
    });
  }

  /** Use `keys` instead of reading them (right after creating the home). */
  useKeys(keys: DeviceKeys): void {
    this.#keys = keys;
  }

  /**
   * Problems SQLite's integrity check finds (empty when intact); entry
   * hashes, chains and signatures are checked by {@link Home.entryProblems}.
   */
  integrity(): string[] {
    return guard(
      this.paths.db,
      "check the mycel home",
      () =>
        (this.#db.prepare("PRAGMA quick_check").all() as { quick_check: string }[])
          .map((r) => r.quick_check).filter((r) => r !== "ok"),
    );
  }

  /**
   * Problems with the stored entries (empty when intact): each decodes,
   * matches its hash and follows the one before; each chain's last entry
   * verifies. Reads every entry: for `doctor` and `repair`, not for commands.
   */
  async entryProblems(): Promise<string[]> {
    const { entryProblems } = await lazyImport<typeof import("./repair_check.ts")>(
      new URL("./repair_check.ts", import.meta.url),
    );
    try {
      return await entryProblems(this.#db);
    } catch (e) {
      const err = sqliteError(e, "check the mycel home", this.paths.db);
      return [(err as Error).message];
    }
  }

  /** The state digest (canonical hash of the replicated state). */
  digest(): string {
    return guard(this.paths.db, "read state", () => stateDigest(this.#state));
  }

  /**
   * Read through one snapshot: everything `fn` reads comes from the same
   * committed state, however many queries it takes and whatever other
   * processes write meanwhile (a read transaction; writers are not blocked).
   */
  async snapshot<T>(fn: () => Promise<T> | T): Promise<T> {
    guard(this.paths.db, "read the mycel home", () => this.#db.exec("BEGIN"));
    this.#state.invalidate();
    try {
      return await fn();
    } finally {
      try {
        this.#db.exec("COMMIT");
      } catch {
        // nothing was written; the read transaction is gone either way
      }
    }
  }

  /**
   * Change the home: `fn` runs inside one write transaction and everything it
   * does is kept together, or nothing is (disk full, read-only, a throw).
   */
  write<T>(
    fn: (w: HomeWriter) => Promise<T> | T,
    o: { refetchable?: boolean } = {},
  ): Promise<T> {
    if (!this.#writable) {
      return Promise.reject(
        new MycelError("internal", "change the home", "it was opened read-only"),
      );
    }
    return this.#queue(async () => {
      await this.#takeHeld();
      return this.#write(fn, o.refetchable ?? false);
    });
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
    const r = await writeTransaction(
      {
        db: this.#db,
        paths: this.paths,
        device: this.device,
        state: this.#state,
        log: this.#log,
        local: this.#local,
        folderLocal: this.#folderLocal,
        clock: () => this.clock,
        now: this.#now,
        keys: () => this.keys(),
      },
      fn,
      refetchable,
    );
    return r;
  }

  /**
   * Take in a peer's entries as they stream in: pushes are held and taken in
   * together, one short write transaction per some thousands of entries
   * (never held across a network wait; see ingest_stream.ts); entries whose
   * author's admission has not arrived yet wait in memory across pushes.
   */
  ingestStream(trusted?: ReadonlySet<DeviceKey>): IngestStream {
    // A peer's entries can be fetched again: no fsync per batch (db.ts).
    return this.#held.stream({
      flush: () => this.#queue(() => this.#takeHeld()),
      write: (fn) => this.write(fn, { refetchable: true }),
    }, trusted);
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
    const { Signer } = await lazyImport<typeof import("../log/identity.ts")>(
      new URL("../log/identity.ts", import.meta.url),
    );
    const { checkpointOut } = await lazyImport<typeof import("./home_checkpoint.ts")>(
      new URL("./home_checkpoint.ts", import.meta.url),
    );
    return await checkpointOut(
      this.#db,
      this.#state,
      this.#log,
      { mesh: this.meshId, made: this.now() },
      new Signer(await this.keys()),
      known,
    );
  }

  /**
   * This home's state as a checkpoint in parts of about `partBytes` each
   * (src/log/checkpoint_parts.ts), for a state larger than one checkpoint
   * may be. Its parts are made again as they are taken: the state must not
   * change meanwhile (a change is named, `checkpoint_changed`).
   */
  async partedCheckpoint(partBytes?: number): Promise<PartedCheckpoint> {
    const { Signer } = await lazyImport<typeof import("../log/identity.ts")>(
      new URL("../log/identity.ts", import.meta.url),
    );
    const { frontierOf } = await lazyImport<typeof import("./home_checkpoint.ts")>(
      new URL("./home_checkpoint.ts", import.meta.url),
    );
    const { makePartedCheckpoint } = await lazyImport<typeof import("../log/checkpoint_parts.ts")>(
      new URL("../log/checkpoint_parts.ts", import.meta.url),
    );
    return await makePartedCheckpoint(
      this.#state,
      await frontierOf(this.#db, this.#log),
      { mesh: this.meshId, made: this.now() },
      new Signer(await this.keys()),
      partBytes,
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
      db: this.#db,
      dbPath: this.paths.db,
      log: this.#log,
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
   * a member's: strangers must cost no write.
   */
  takeFirstMessage(ephemeral: Uint8Array): Promise<boolean> {
    if (!this.#writable) return Promise.resolve(true);
    return this.#queue(async () => {
      // Loaded by the responder only: commands that never serve never load it.
      const { takeFirstMessage } = await lazyImport<typeof import("./first_messages.ts")>(
        new URL("./first_messages.ts", import.meta.url),
      );
      return takeFirstMessage(this.#db, ephemeral, this.#now());
    });
  }

  /** Rows of replicated state (to weigh a checkpoint against entries). */
  stateSize(): number {
    return guard(
      this.paths.db,
      "read state",
      () =>
        Number(
          (this.#db.prepare(
            "SELECT (SELECT count(*) FROM versions) + (SELECT count(*) FROM members) + (SELECT count(*) FROM apps)" +
              " + (SELECT count(*) FROM file_versions) AS n",
          ).get() as { n: number }).n,
        ),
    );
  }

  /**
   * About how large a checkpoint of the state would be (bytes, CBOR items),
   * from row counts and sizes, without making it (checkpoint_estimate.ts).
   */
  async checkpointEstimate(): Promise<{ bytes: number; items: number }> {
    const { estimateCheckpoint } = await lazyImport<typeof import("./checkpoint_estimate.ts")>(
      new URL("./checkpoint_estimate.ts", import.meta.url),
    );
    return guard(this.paths.db, "read state", () => estimateCheckpoint(this.#db));
  }

  /** This device's clock as last persisted (a fresh object each time). */
  get clock(): HlcClock {
    return new HlcClock(this.device.hex, {
      wall: Number(this.local.meta("clock_wall") ?? 0),
      counter: Number(this.local.meta("clock_counter") ?? 0),
    });
  }

  /**
   * How far (ms) the last stamp this device made runs ahead of `now`, beyond
   * the allowed drift, or undefined. A command run once with the clock set
   * ahead leaves the stamps there (they never go back), and peers see
   * nothing odd in a clock that agrees with theirs: only this device can tell.
   */
  stampsAhead(now: number = this.now()): number | undefined {
    const ahead = this.clock.last.wall - now;
    return ahead > MAX_DRIFT_MS ? ahead : undefined;
  }

  /** Close the database (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.close();
    } catch {
      // already closed
    }
  }

  /** `using` support. */
  [Symbol.dispose](): void {
    this.close();
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
