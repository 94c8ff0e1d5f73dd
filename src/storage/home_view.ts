/**
 * @module home_view
 * The read side of an open home ({@link Home} in home_handle.ts builds on
 * it): the read-only views of the state, the logs, local bookkeeping and
 * synced folders; reads through one snapshot; the state digest; this
 * device's clock as persisted; the database's own checks (for `doctor` and
 * `repair`); closing. Nothing here changes the home.
 */

import { HlcClock, MAX_DRIFT_MS } from "../crdt/hlc.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { StateView } from "../log/state.ts";
import { stateDigest } from "../log/state_digest.ts";
import { lazyImport } from "../lazy_import.ts";
import { type Db, guard } from "./db.ts";
import type { HomePaths } from "./home.ts";
import { deviceOfHome, type HomeOptions } from "./home_open.ts";
import { type FolderLocalView, SqlFolderLocal } from "./sql_folder_local.ts";
import { type LocalView, SqlLocal } from "./sql_local.ts";
import { type LogView, SqlLog } from "./sql_log.ts";
import { SqlState } from "./sql_state.ts";
import type { MycelError } from "../errors.ts";
import { sqliteError } from "./storage_errors.ts";

/** The tables of an open home, for what builds on {@link HomeView}. */
export interface HomeParts {
  readonly db: Db;
  readonly state: SqlState;
  readonly log: SqlLog;
  readonly local: SqlLocal;
  readonly folderLocal: SqlFolderLocal;
  readonly now: () => number;
  readonly env: (name: string) => string | undefined;
}

/** An open home, read-only. */
export class HomeView {
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
  /** The tables behind the views (for Home's writes, keys and checkpoints). */
  protected readonly parts: HomeParts;
  #closed = false;

  protected constructor(paths: HomePaths, db: Db, options: HomeOptions) {
    const now = options.now ?? Date.now;
    const state = new SqlState(db);
    const parts: HomeParts = {
      db,
      state,
      log: new SqlLog(db, now),
      local: new SqlLocal(db),
      folderLocal: new SqlFolderLocal(db),
      now,
      env: options.env ?? ((n) => Deno.env.get(n)),
    };
    this.parts = parts;
    this.paths = paths;
    this.view = state.view;
    this.log = parts.log;
    this.local = parts.local;
    this.folderLocal = parts.folderLocal;
    this.device = deviceOfHome(this.local, paths);
  }

  /** The mesh this device belongs to. */
  get meshId(): string {
    return String(this.local.meta("mesh") ?? "");
  }

  /** Current wall time (ms) from the injected clock. */
  now(): number {
    return this.parts.now();
  }

  /** Environment lookup this home was opened with. */
  env(name: string): string | undefined {
    return this.parts.env(name);
  }

  /**
   * Problems SQLite's integrity check finds (empty when intact); entry
   * hashes, chains and signatures are checked by {@link HomeView.entryProblems}.
   */
  integrity(): string[] {
    return guard(
      this.paths.db,
      "check the mycel home",
      () =>
        (this.parts.db.prepare("PRAGMA quick_check").all() as { quick_check: string }[])
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
      return await entryProblems(this.parts.db);
    } catch (e) {
      const err = sqliteError(e, "check the mycel home", this.paths.db);
      return [(err as Error).message];
    }
  }

  /** The state digest (canonical hash of the replicated state). */
  digest(): string {
    return guard(this.paths.db, "read state", () => stateDigest(this.parts.state));
  }

  /**
   * Read through one snapshot: everything `fn` reads comes from the same
   * committed state, however many queries it takes and whatever other
   * processes write meanwhile (a read transaction; writers are not blocked).
   */
  async snapshot<T>(fn: () => Promise<T> | T): Promise<T> {
    guard(this.paths.db, "read the mycel home", () => this.parts.db.exec("BEGIN"));
    this.parts.state.invalidate();
    try {
      return await fn();
    } finally {
      try {
        this.parts.db.exec("COMMIT");
      } catch {
        // nothing was written; the read transaction is gone either way
      }
    }
  }

  /**
   * Why no checkpoint of this state could be made for its member rows alone
   * (`mesh_too_many_members`: log/checkpoint_member_bound.ts), or undefined.
   */
  async memberBoundProblem(): Promise<MycelError | undefined> {
    // Loaded only when asked (an inviter checking a joiner).
    const { memberBoundProblem } = await lazyImport<
      typeof import("../log/checkpoint_member_bound.ts")
    >(new URL("../log/checkpoint_member_bound.ts", import.meta.url));
    return memberBoundProblem(this.parts.state.memberRows());
  }

  /** Rows of replicated state (to weigh a checkpoint against entries). */
  stateSize(): number {
    return guard(
      this.paths.db,
      "read state",
      () =>
        Number(
          (this.parts.db.prepare(
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
    return guard(this.paths.db, "read state", () => estimateCheckpoint(this.parts.db));
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
      this.parts.db.close();
    } catch {
      // already closed
    }
  }

  /** `using` support. */
  [Symbol.dispose](): void {
    this.close();
  }
}
