/**
 * @module folder_apply_session
 * What the phases of one folder's apply (folder_apply.ts) share: the folder,
 * the report they fill, the record of what they did (folder_apply_record.ts),
 * the progress counters, and whether the round is halted — a full or
 * unwritable disk, a folder whose marker went, Ctrl-C; how a path not
 * written is told, and what halts the round, is folder_apply_problems.ts.
 * Apart so that each phase is a function of this session and reads on its
 * own.
 */

import { isMycelError } from "../errors.ts";
import type { ChunkRef } from "../log/chunk_list.ts";
import type { ExpectedEntry } from "../files/disk_state.ts";
import type { FileVersion } from "../log/file_version.ts";
import type { PlanAction, PlanIndexRow } from "../files/folder_plan_types.ts";
import { shortDeviceId } from "../log/device_id.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { Home } from "../storage/home_handle.ts";
import { freeBytes } from "../storage/disk.ts";
import type { IndexRow, LocalFolder } from "../storage/sql_folder_local.ts";
import type { Fetcher, FetchPeer } from "./file_fetch.ts";
import { folderFs } from "./folder_fs.ts";
import { ApplyRecord } from "./folder_apply_record.ts";
import { InterimProgress } from "./folder_apply_interim.ts";
import type { Reuse } from "./folder_apply_reuse.ts";
import type { ApplyOptions, ApplyReport } from "./folder_apply_types.ts";
import { NobodyHas } from "./unfetchable.ts";

/** One folder's apply in progress. */
export class ApplySession {
  readonly home: Home;
  readonly folder: LocalFolder;
  readonly o: ApplyOptions;
  /** The folder's id. */
  readonly id: string;
  /** This device. */
  readonly self: DeviceKey;
  readonly report: ApplyReport;
  /** Tells the files nobody can send (unfetchable.ts); undefined without `o.holders`. */
  readonly nobody: NobodyHas | undefined;
  readonly record: ApplyRecord;
  // Paths whose action this round did: they hold its version by construction.
  readonly settled = new Set<string>();
  /**
   * Paths whose file holds the bytes of the version written over it, as the
   * scan saw it, and only its exec bit could not be set in place (another
   * user's file: folder_apply_mode.ts): the file it replaces is not kept.
   */
  readonly sameBytes = new Set<string>();
  // Progress of the file phase: bytes written, and files written plus the
  // removals done before (folder_apply_files.ts counts the same for the total).
  doneBytes = 0;
  doneFiles = 0;
  /** What the file phase still lacks, for the progress records it publishes meanwhile. */
  readonly interim: InterimProgress = new InterimProgress(Date.now());
  /**
   * The folder frontier taken before the plan read the state: what the
   * interim records say they measured against. Not the frontier when one
   * is published: versions taken in since (a peer's push to this device's
   * server mid-round) are in neither the plan nor the record's counts, and
   * another device would have read them as here.
   */
  frontier: [DeviceKey, number][] = [];
  /**
   * Files not taken on this round whose kept transfer holds chunks of their
   * version, durable and recorded (a full disk, a halt before their turn):
   * by path, those bytes, which are not still to fetch (stillToCome).
   */
  readonly keptHeld = new Map<string, number>();
  /** Bytes asked of peers this round, across its file phases (the budget, MYCEL_FILE_BUDGET). */
  askedBytes = 0;
  /**
   * Versions this round kept under `.mycel/versions` (folder-relative) with
   * the content key of what they hold: those whose content still sits in the
   * folder after the round go again (folder_apply_unkeep.ts).
   */
  readonly keptNow: { kept: string; key: string; path: string }[] = [];
  /** Paths removed this round (their parents left empty go too). */
  readonly removedPaths: string[] = [];
  // The folder's disk filled up, or it refuses writes altogether (read-only,
  // not ours): said once; nothing more is fetched or written this round.
  full = false;
  /**
   * Why the folder stopped during this round (its marker went: a disk pulled
   * out mid-round), once a write found it so: nothing more is fetched or
   * written for it, and nothing else is said of it — before, every file left
   * was still fetched and said as "not written here: … folder stopped".
   */
  stopped: string | undefined;
  /** The file phase's fetcher, stopped when the disk is full or the folder stops. */
  fetcher: Fetcher | undefined;
  /** Which kept transfer each write continues (folder_apply_reuse.ts), worked out once. */
  reuse: Reuse | undefined;
  #peers: FetchPeer[] | undefined;
  #free: Promise<number | undefined> | undefined;
  #traits: ReturnType<typeof folderFs> | null = null;

  constructor(
    home: Home,
    folder: LocalFolder,
    o: ApplyOptions,
    rows: ReadonlyMap<string, IndexRow>,
    conflicts: number,
  ) {
    this.home = home;
    this.folder = folder;
    this.o = o;
    this.id = folder.folder;
    this.report = {
      folder: this.id,
      done: 0,
      timesOnly: 0,
      needFiles: 0,
      needBytes: 0,
      conflicts,
      fetchedBytes: 0,
      localBytes: 0,
      peers: [],
      problems: [],
      published: 0,
      unfetchable: [],
    };
    this.nobody = o.holders === undefined
      ? undefined
      : new NobodyHas(o.holders, (maker) => this.makerName(maker));
    this.self = home.device;
    this.record = new ApplyRecord(home, this.id, rows, this.report);
  }

  /** How a version's maker (a device id) is named: "this device", or a member's name. */
  makerName(maker: string): string {
    const key = DeviceKey.fromId(maker);
    if (key === this.home.device) return "this device";
    const m = this.home.view.member(key);
    if (m === undefined) return shortDeviceId(maker);
    return `${m.record.name || key.short}${m.removed === undefined ? "" : " (removed)"}`;
  }

  /** Sessions to fetch from, opened when first needed. */
  async getPeers(): Promise<FetchPeer[]> {
    return this.#peers ??= await this.o.peers();
  }

  /**
   * Free bytes on the folder's disk (`df`), asked once per apply: the list
   * phase's check and the files phase's budget share it (each ran its own
   * `df` before). Undefined when it can't be told.
   */
  freeRoom(): Promise<number | undefined> {
    // Ctrl-C ends `df` at once; the apply then stops as interrupted (its
    // own report, folder_apply.ts), not by the thrown interruption.
    return this.#free ??= freeBytes(this.folder.root, { signal: this.o.signal }).catch((e) => {
      if (isMycelError(e, "sync_interrupted")) return undefined;
      throw e;
    });
  }

  // What the folder's file system can do (kept per disk; asked once per round).
  fsTraits(): ReturnType<typeof folderFs> {
    return this.#traits === null ? (this.#traits = folderFs(this.folder)) : this.#traits;
  }

  /** Ctrl-C or SIGTERM came (ApplyOptions.signal). */
  get interrupted(): boolean {
    return this.o.signal?.aborted === true;
  }

  /** Nothing more is fetched or taken on this round: the disk is full, the folder stopped, Ctrl-C. */
  get halted(): boolean {
    return this.full || this.stopped !== undefined || this.interrupted;
  }

  /**
   * Publish an interim progress record with the next notes written, when one
   * is due (folder_apply_interim.ts); `first`: a transfer was just recorded.
   * True when one was noted (the caller writes its notes now).
   */
  noteInterim(first: boolean): boolean {
    const now = Date.now();
    if (!this.interim.due(now, first)) return false;
    const progress = this.interim.take(now, {
      conflicts: Math.max(0, this.report.conflicts),
      frontier: this.frontier,
    });
    this.record.note({ kind: "progress", progress });
    return true;
  }

  /**
   * Count a write or removal this round left undone: a file by the bytes it
   * still lacks (what its kept transfer holds is not fetched again).
   */
  stillToCome(a: PlanAction): void {
    this.report.needFiles++;
    if (a.kind !== "write" || a.version.kind !== "file") return;
    const held = this.keptHeld.get(a.path) ?? 0;
    this.report.needBytes += Math.max(0, a.version.size - held);
  }
}

/** What the disk should hold where an index row says so (null: nothing). */
export const expectedOf = (row: PlanIndexRow | null): ExpectedEntry =>
  row === null || row.kind === "dir"
    ? null
    : { kind: row.kind, size: row.size, mtimeMs: row.mtimeMs, ino: row.ino };

/** Inline chunks of a version (manifest lists keep the places set when the file was written). */
export function chunksOfRow(v: FileVersion): ChunkRef[] | undefined {
  return v.kind === "file" && "inline" in v.chunks ? [...v.chunks.inline] : undefined;
}

/** A version this device publishes as a new file: a conflict copy once written. */
export const asCopy = (v: FileVersion, self: DeviceKey): FileVersion =>
  ({ ...v, modifiedBy: self.id, vv: new Map([[self.id, 1]]) }) as FileVersion;
