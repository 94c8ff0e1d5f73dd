/**
 * @module folder_apply_session
 * What the phases of one folder's apply (folder_apply.ts) share: the folder,
 * the report they fill, the record of what they did (folder_apply_record.ts),
 * the progress counters, and how a failed write is told — a full or
 * unwritable disk is said once and stops the rest of the round; a folder
 * whose marker went stops it too, as the round's outcome. Apart so that
 * each phase is a function of this session and reads on its own.
 */

import { join } from "node:path";
import type { ChunkRef } from "../files/chunk_hash.ts";
import { type ExpectedEntry, onDisk } from "../files/disk_state.ts";
import { isMycelError } from "../errors.ts";
import { folderDiskFull, isDiskFull, isUnwritable } from "../files/disk_full.ts";
import type { FileVersion } from "../files/file_version.ts";
import type { PlanAction, PlanIndexRow } from "../files/folder_plan.ts";
import { writeReason } from "../files/write_problem.ts";
import { shortDeviceId } from "../log/device_id.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { Home } from "../storage/home_handle.ts";
import { freeBytes } from "../storage/disk.ts";
import type { IndexRow, LocalFolder } from "../storage/sql_folder_local.ts";
import type { Fetcher, FetchPeer } from "./file_fetch.ts";
import { folderFs } from "./folder_fs.ts";
import { ApplyRecord } from "./folder_apply_record.ts";
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
  // Progress of the file phase: bytes written, and files written plus the
  // removals done before (folder_apply_files.ts counts the same for the total).
  doneBytes = 0;
  doneFiles = 0;
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
    return this.#free ??= freeBytes(this.folder.root);
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
   * Report why `path` could not be written; a full or unwritable disk is
   * said once, a folder that stopped is the round's outcome (`stopped`).
   */
  problem(path: string, e: unknown): void {
    if (this.stopped !== undefined) return; // what fails after the stop is the stop's doing
    if (isMycelError(e, "folder_stopped")) {
      this.stopped = this.report.stopped = e.reason;
      this.fetcher?.stop();
      return;
    }
    const unwritable = isUnwritable(e);
    if (isDiskFull(e) || unwritable !== undefined) {
      if (this.full) return;
      this.full = true;
      this.fetcher?.stop(); // whatever else is asked this round could not be written
      if (unwritable !== undefined) {
        this.report.problems.push({ path: ".", reason: `${unwritable} (${this.folder.root})` });
        return;
      }
      e = folderDiskFull(this.folder.root, e);
    }
    this.report.problems.push({ path, reason: writeReason(this.folder.root, path, e) });
  }

  // A local save raced the write: it stays (the next scan publishes it). A
  // file the write had already moved aside is kept under .mycel/versions/:
  // say where, so nothing is silently out of sight.
  // A name left empty while the scan holds deletions is (almost always) one
  // of them: its deletion waits for the user, not a local change.
  raced(path: string, keptAs: string | undefined, what: string): void {
    if (this.deletionHeld(path)) return this.heldHere(path);
    const reason = `it changed on this device meanwhile (${what})` +
      (keptAs === undefined ? "" : `; the file it replaced is kept as ${keptAs}`);
    this.report.problems.push({ path, reason });
  }

  /**
   * True when nothing is at `path` while the scan holds deletions: its
   * deletion is (almost always) one of them — a path deleted since the scan
   * joins them at the next one (folder_scan_deletions.ts).
   */
  deletionHeld(path: string): boolean {
    return this.folder.info.held !== undefined && nothingAt(join(this.folder.root, path));
  }

  /** Say that `path` is not written because its deletion is held here. */
  heldHere(path: string): void {
    const reason = "its deletion here is held with the others until `mycel folder scan " +
      `${this.folder.folder} --yes\` sends them (a newer version elsewhere then wins)`;
    this.report.problems.push({ path, reason });
  }

  /** Count a write or removal this round left undone. */
  stillToCome(a: PlanAction): void {
    this.report.needFiles++;
    if (a.kind === "write" && a.version.kind === "file") this.report.needBytes += a.version.size;
  }
}

/** Nothing at `abs` (a parent that is not a folder counts as something: not said). */
function nothingAt(abs: string): boolean {
  try {
    return onDisk(abs) === null;
  } catch {
    return false;
  }
}

/** What the disk should hold where an index row says so (null: nothing). */
export const expectedOf = (row: PlanIndexRow | null): ExpectedEntry =>
  row === null ? null : { kind: row.kind, size: row.size, mtimeMs: row.mtimeMs, ino: row.ino };

/** Inline chunks of a version (manifest lists keep the places set when the file was written). */
export function chunksOfRow(v: FileVersion): ChunkRef[] | undefined {
  return v.kind === "file" && "inline" in v.chunks ? [...v.chunks.inline] : undefined;
}

/** A version this device publishes as a new file: a conflict copy once written. */
export const asCopy = (v: FileVersion, self: DeviceKey): FileVersion =>
  ({ ...v, modifiedBy: self.id, vv: new Map([[self.id, 1]]) }) as FileVersion;
