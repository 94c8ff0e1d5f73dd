/**
 * @module folder_apply_types
 * What applying a folder state is given and what it reports
 * (folder_apply.ts runs it; its phases, folder_apply_*.ts, fill the report).
 * Apart so that every phase can name them without importing the runner.
 */

import type { RegularFileVersion } from "../log/file_version.ts";
import type { PlanAction } from "../files/folder_plan_types.ts";
import type { MovedWhileEdited } from "../files/moved_edited.ts";
import type { CarryWaiting } from "./folder_apply_carry.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { FetchPeer, PeerFetchReport } from "./file_fetch.ts";
import type { UnfetchableFile } from "./unfetchable.ts";

/**
 * A write of a regular file: what the chunk lists (folder_apply_lists.ts)
 * and the file phase (folder_apply_files.ts) are given, typed as such so
 * neither has to cast its version.
 */
export type FileWrite = Extract<PlanAction, { kind: "write" }> & {
  readonly version: RegularFileVersion;
};

/** How to apply. */
export interface ApplyOptions {
  /**
   * Set when the apply swept manifest blobs (blob_sweep.ts), so the round's
   * hourly housekeeping does not sweep again (folder_round.ts).
   */
  sweep?: { done: boolean };
  /** Sessions to fetch from, opened when first needed ([] when none is reachable). */
  peers: () => Promise<FetchPeer[]>;
  /** Read deadline of the file phase (ms). */
  readTimeoutMs: number;
  /** Bytes to fetch from peers this round at most (the next round continues). */
  budget?: number;
  /**
   * Every device other than this one that could hold the folder's content
   * (unfetchable.ts); absent: files nobody can send are not told apart.
   */
  holders?: readonly DeviceKey[];
  /**
   * Ctrl-C or SIGTERM: once aborted, nothing more is fetched or taken on
   * (the sessions' channels are closed by whoever opened them), and what
   * was done is recorded.
   */
  signal?: AbortSignal;
  /** Progress: files and bytes done of the totals. */
  progress?: (p: { files: number; totalFiles: number; bytes: number; totalBytes: number }) => void;
}

/** What applying did and what is left. */
export interface ApplyReport {
  readonly folder: string;
  /** Actions done this round. */
  done: number;
  /**
   * Of those, files whose content was here already and got only the
   * version's time (a touch elsewhere; a join onto a copy made without times).
   */
  timesOnly: number;
  /** Files (and links, removals) still to apply, and bytes still to fetch. */
  needFiles: number;
  needBytes: number;
  /** Paths with an unresolved conflict. */
  conflicts: number;
  /** Bytes fetched from peers. */
  fetchedBytes: number;
  /** Bytes copied from this device's own files. */
  localBytes: number;
  /** Per-peer fetch reports. */
  peers: PeerFetchReport[];
  /** Paths that could not be written, with why. */
  problems: { path: string; reason: string }[];
  /** Versions published (copies, merges). */
  published: number;
  /** Of the files still to come, those nobody can send (unfetchable.ts). */
  unfetchable: UnfetchableFile[];
  /** Why the folder stopped during the round (its marker went), if it did: the rest waits. */
  stopped?: string;
  /** Interrupted (ApplyOptions.signal): the rest waits for the next round. */
  interrupted?: boolean;
  /**
   * Files moved on one device while another edited them, in the state this
   * round applied (src/files/moved_edited.ts): their conflicts stay open.
   */
  moved?: readonly MovedWhileEdited[];
  /**
   * Of those found before the plan, the ones whose edit this device carried
   * to where the file moved (folder_apply_carry.ts): gone from `moved`.
   */
  carried?: readonly MovedWhileEdited[];
  /** Of `moved`, the ones another device, or a later round, will carry. */
  carryWaiting?: readonly CarryWaiting[];
  /**
   * Conflict copies (`NAME.sync-conflict-…`) this round wrote here, by path:
   * a user who edited a file on two devices is told both were kept.
   */
  copiesMade?: string[];
}
