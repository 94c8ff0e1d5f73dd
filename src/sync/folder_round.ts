/**
 * @module folder_round
 * The folder half of `sync now`. Before the entry round, every folder this
 * device syncs is scanned and its changes published ({@link scanFolders}),
 * so they travel in that round. After it ({@link applyFolders}), each
 * folder is brought to the state the round delivered: the plan runs, and
 * chunks this device lacks come from the devices that joined the folder,
 * through one session each (handshake, an idle exchange, then the file
 * phase on the same channel), all fetched from at once. Then this device
 * publishes its progress record for the folder when it changed, and
 * replaced files older than the retention are pruned (hourly).
 */

import { isMycelError } from "../errors.ts";
import { isFullReason } from "../files/disk_full.ts";
import { markerStop } from "../files/folder_marker.ts";
import { keptBytes } from "../files/kept_bytes.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { Home } from "../storage/home_handle.ts";
import type { LocalFolder } from "../storage/sql_folder_local.ts";
import { type FolderInfo, keptPaths, sameKept } from "../storage/folder_info.ts";
import type { ApplyReport } from "./folder_apply.ts";
import type { ScanReport } from "./folder_scan.ts";
import type { ScanPublishOptions } from "./folder_scan_types.ts";
import type { NotRemoved, PruneResult } from "../files/versions.ts";
import { frontierOf, markStopped, publishProgress } from "./folder_progress.ts";
import { recordBytes } from "./folder_apply_interim.ts";
import { lazyImport } from "../lazy_import.ts";
import { fetchProgress } from "./fetch_progress.ts";
import { folderLabel, folderName } from "./folder_label.ts";
import type { Route } from "./peer_routes.ts";
import type { SessionTuning } from "./session_bounds.ts";
import { folderPeers, openPeers } from "./folder_peers.ts";
import { apartFolderHere, leftAloneHere } from "./left_alone.ts";
import { deletedInState } from "./state_deleted.ts";
import { IGNORE_FILE_NAME } from "../files/folder_layout.ts";
import { type CarriedNote, carriedToSay, type MovedNote, movedToSay } from "./moved_said.ts";
import type { SessionOutcome } from "./peer_session_types.ts";

/** How the folder half runs. */
export interface FolderRoundOptions {
  now: () => number;
  env: (name: string) => string | undefined;
  /** Read deadline (ms). */
  timeoutMs: number;
  routes?: (peer: DeviceRecord, home: Home) => Promise<Route[]> | Route[];
  tuning?: SessionTuning;
  /** Asked before a scan's mass deletion goes out (absent: held). */
  confirmMassDelete?: (
    folder: string,
    deletes: number,
    of: number,
    root: string,
    /** How to name it to a person: its name with its id (folder_label.ts). */
    label?: string,
  ) => Promise<boolean> | boolean;
  /** Progress line (a terminal only). */
  progress?: (text: string) => void;
  /** Only this folder. */
  only?: string;
  /** Bytes of file content to fetch per round at most (MYCEL_FILE_BUDGET). */
  budget?: number;
  /**
   * Ctrl-C or SIGTERM. A scan stops and throws `sync_interrupted`, nothing
   * of it recorded (every folder is read before any is recorded, so a stop
   * while they are read records none; one while a mass deletion is asked
   * about leaves the folders recorded before it as they recorded: each
   * scan commits whole or not at all). The folder being
   * applied stops fetching at once (its
   * sessions' channels are closed, answers still owed are not waited for),
   * records what it did and keeps what its unfinished files hold; the
   * folders after it wait for the next round.
   */
  signal?: AbortSignal;
  /** This process holds the home's round guard (`sync now`): see ScanPublishOptions. */
  roundGuard?: boolean;
  /** A path `folder restore` just put back (scanFolders): see ScanPublishOptions. */
  restored?: ScanPublishOptions["restored"];
}

/** Scan every folder this device syncs (or `o.only`); publish what changed. */
export async function scanFolders(root: string, o: FolderRoundOptions): Promise<ScanReport[]> {
  using home = await Home.open(root, { write: true, now: o.now, env: o.env, signal: o.signal });
  const folders = home.folderLocal.folders().filter((f) =>
    o.only === undefined || f.folder === o.only
  );
  // The scanning code (file system walk, chunking, ignore rules) loads only when there is a folder.
  if (folders.length === 0) return [];
  const { scanAndPublish } = await lazyImport<typeof import("./folder_scan.ts")>(
    new URL("./folder_scan.ts", import.meta.url),
  );
  try {
    return await scanAndPublish(home, folders, {
      confirmMassDelete: o.confirmMassDelete,
      signal: o.signal,
      roundGuard: o.roundGuard,
      progress: o.progress,
      restored: o.restored,
    });
  } finally {
    o.progress?.(""); // an interrupted scan's line too: the error follows on its own
  }
}

/** What the folder half did for one folder. */
export interface FolderOutcome {
  readonly folder: string;
  /** The name it was shared with: its lines say it with the id (folder_label.ts). */
  readonly name?: string;
  readonly stopped?: string;
  /** Where it is synced, when it is stopped (for the marker its hints name). */
  readonly root?: string;
  readonly apply?: ApplyReport;
  /** Sessions of the file phase that did not sync (unreachable peers and such). */
  readonly sessions: SessionOutcome[];
  /** Interrupted (Ctrl-C, SIGTERM) while its files were applied. */
  readonly interrupted?: boolean;
  /**
   * True when the paths this round could not write differ from the last
   * round's (kept in the folder's info): worth saying again. A timer's log
   * does not repeat the same list every 30 s.
   */
  readonly problemsChanged?: boolean;
  /**
   * Bytes the versions kept under `.mycel/versions/` take, when the paths
   * not written changed and one of them did not fit on the disk (said with
   * them: often what fills it); absent otherwise.
   */
  readonly keptBytes?: number;
  /**
   * The kept versions past the retention this round's sweep could not
   * remove, when they differ from the last sweep's (empty: all removed now);
   * kept in the folder's info for `folder status`.
   */
  readonly notRemoved?: readonly NotRemoved[];
  /**
   * The folders under `.mycel/versions/` this round's sweep could not list,
   * when they differ from the last sweep's (empty: all listed now); kept
   * the same way. Apart from `notRemoved`: what they hold is not known.
   */
  readonly notListed?: readonly NotRemoved[];
  /**
   * Files moved on one device while another edited them that this round
   * found and no earlier round here said (moved_said.ts); absent when none.
   */
  readonly moved?: readonly MovedNote[];
  /**
   * Past the first 1000 such pairs by path, how many more there are, when
   * that set changed since a round here last said it (moved_said.ts).
   */
  readonly movedMore?: number;
  /**
   * Edits carried to where their file moved, said once: by this device this
   * round, or by another since an earlier round here waited for it
   * (moved_said.ts `carriedToSay`); absent when none.
   */
  readonly carried?: readonly CarriedNote[];
}

/** Bring every folder this device syncs (or `o.only`) to the state (see the module comment). */
export async function applyFolders(root: string, o: FolderRoundOptions): Promise<FolderOutcome[]> {
  using home = await Home.open(root, { write: true, now: o.now, env: o.env, signal: o.signal });
  const out: FolderOutcome[] = [];
  const folders = home.folderLocal.folders().filter((f) =>
    o.only === undefined || f.folder === o.only
  );
  // The transfer code loads only when there is a folder.
  if (folders.length === 0) return out;
  const { applyFolder } = await lazyImport<typeof import("./folder_apply.ts")>(
    new URL("./folder_apply.ts", import.meta.url),
  );
  // One sweep of manifest blobs a round at most: the fetch's (after storing
  // blobs) or the hourly one. Sweeping twice decoded every version again at
  // the round's end, when its heap is largest: 5–9 MiB more peak memory for
  // the fetching side of a 1 GiB folder, past the 200 MB target
  // (docs/benchmarks.md).
  const blobs = { done: false };
  for (const f of folders) {
    if (o.signal?.aborted) break; // the rest waits for the next round
    const frontier = frontierOf(home, f.folder);
    const stopped = markerStop(f.root);
    if (stopped !== undefined) {
      await markStopped(home, f, stopped, frontier);
      out.push({ folder: f.folder, stopped, root: f.root, sessions: [] });
      continue;
    }
    // Stopped by this round's scan (an ignore file that can't be read, say):
    // nothing is applied — without its rules, what they keep could be overwritten.
    const scanned = home.folderLocal.folder(f.folder)?.info.stopped;
    if (scanned) {
      out.push({ folder: f.folder, stopped: scanned, root: f.root, sessions: [] });
      continue;
    }
    let apply: ApplyReport | undefined;
    const sessions: SessionOutcome[] = [];
    // An apply that writes or removes the .mycelignore changes what this device
    // leaves alone, and it planned under the old rules: it runs once more under
    // the new ones. Before, a path no longer ignored waited for the next round,
    // while this one said the folder complete and published "in sync".
    const rulesBefore = ignoreFileSeen(f.root);
    for (let pass = 0; pass < 2; pass++) {
      const holders = folderPeers(home, f.folder);
      const peers = openPeers(home, holders, o);
      // "folder docs: 3/10 files, …", as the round's line after it ("folder docs: 10 changes
      // applied"); before, "docs: 3/10 files" then "folder docs: …".
      const line = o.progress &&
        fetchProgress(`folder ${folderLabel(home, f.folder)}`, o.progress, Date.now);
      let report: ApplyReport;
      try {
        report = await applyFolder(home, f, {
          sweep: blobs,
          peers: peers.peers,
          holders: holders.map((r) => r.key),
          readTimeoutMs: o.timeoutMs,
          budget: o.budget,
          signal: o.signal,
          progress: line && ((p) => line.report(p)),
        });
      } finally {
        line?.stop();
        sessions.push(...(await peers.close()).filter((s) => s.status !== "synced"));
        o.progress?.("");
      }
      apply = apply === undefined ? report : bothPasses(apply, report);
      if (report.interrupted || report.stopped !== undefined) break;
      if (ignoreFileSeen(f.root) === rulesBefore) break;
    }
    if (apply!.interrupted) {
      // What it did is recorded; its progress record and the sweep wait for a whole round.
      out.push({ folder: f.folder, interrupted: true, apply, sessions });
      break;
    }
    if (apply!.stopped !== undefined) {
      // Its marker went during the round: stopped, as if it had been missing at the start.
      await markStopped(home, f, apply!.stopped, frontier);
      out.push({ folder: f.folder, stopped: apply!.stopped, root: f.root, apply, sessions });
      continue;
    }
    const problemsChanged = await keepList(home, f.folder, apply!.problems, "notWritten");
    const latest = home.folderLocal.folder(f.folder) ?? f;
    await publishProgress(home, latest, {
      needFiles: apply!.needFiles,
      needBytes: recordBytes(apply!.needBytes),
      conflicts: Math.max(0, apply!.conflicts),
      stopped: "",
      frontier,
    });
    const swept = await housekeeping(home, latest, blobs);
    const waiting = apply!.carryWaiting ?? [];
    const toCarry = new Set(waiting.map((m) => m.path));
    const moved = await movedToSay(
      home,
      f.folder,
      (apply!.moved ?? []).filter((m) => !toCarry.has(m.path)),
    );
    const carried = await carriedToSay(home, f.folder, apply!.carried ?? [], waiting);
    const full = problemsChanged && apply!.problems.some((p) => isFullReason(p.reason));
    out.push({
      folder: f.folder,
      apply,
      sessions,
      problemsChanged,
      ...(full ? { keptBytes: keptBytes(latest.root) } : {}),
      ...swept,
      ...(moved.notes.length > 0 ? { moved: moved.notes } : {}),
      ...(moved.more > 0 ? { movedMore: moved.more } : {}),
      ...(carried.length > 0 ? { carried } : {}),
    });
  }
  return out.map((x) => ({ ...x, name: folderName(home, x.folder) }));
}

/**
 * The folder's .mycelignore as the file system shows it (inode, size, time;
 * never read: it came from a peer), to tell whether an apply wrote or removed it.
 */
function ignoreFileSeen(root: string): string {
  try {
    const i = Deno.lstatSync(`${root}/${IGNORE_FILE_NAME}`);
    return `${i.ino}:${i.size}:${i.mtime?.getTime()}:${i.isFile}`;
  } catch {
    return "none";
  }
}

/** What two applies of one round did: the second's standing, both passes' work. */
function bothPasses(a: ApplyReport, b: ApplyReport): ApplyReport {
  return {
    ...b,
    done: a.done + b.done,
    timesOnly: a.timesOnly + b.timesOnly,
    fetchedBytes: a.fetchedBytes + b.fetchedBytes,
    localBytes: a.localBytes + b.localBytes,
    published: a.published + b.published,
    peers: [...a.peers, ...b.peers],
    carried: [...(a.carried ?? []), ...(b.carried ?? [])],
  };
}

/**
 * Keep `list` (at most 20 paths and a count) under `field` of the folder's
 * info, with `more` written alongside; true when the list changed.
 */
async function keepList(
  home: Home,
  folder: string,
  list: readonly { path: string; reason: string }[],
  field: "notWritten" | "notRemoved" | "notListed",
  more: FolderInfo = {},
): Promise<boolean> {
  const info = home.folderLocal.folder(folder)?.info;
  if (info === undefined) return false;
  const kept = keptPaths(list);
  const count = `${field}Count` as const;
  const changed = !sameKept(kept, { list: info[field], count: info[count] });
  if (!changed && Object.keys(more).length === 0) return false;
  await home.write((w) =>
    w.folderLocal.setInfo(folder, { ...info, ...more, [field]: kept.list, [count]: kept.count })
  );
  return changed;
}

/** What a sweep could not do, each list when it changed since the last sweep's. */
type Swept = Pick<FolderOutcome, "notRemoved" | "notListed">;

/**
 * Hourly: stale temporary files, kept versions past the retention, and (once
 * a round, for every folder at once) the manifest blobs no version names
 * any more. A round that stores blobs sweeps them too (folder_apply_lists.ts);
 * the hourly one takes what no such round came to take: the old tree of a
 * file whose new version lists its chunks inline (8 or fewer), a tree left
 * by a scan here, leftovers of earlier releases. With
 * `keepDays` 0 the versions go every round: "keep none" must not mean "keep
 * for up to an hour". A kept version that can't be removed, or a folder of
 * them that can't be listed, does not stop the round: each list is kept in
 * the folder's info (`folder status` lists them), and returned when it
 * changed (the round says it then).
 */
async function housekeeping(
  home: Home,
  f: LocalFolder,
  blobs: { done: boolean },
): Promise<Swept> {
  const now = home.now();
  const last = f.info.swept ?? 0;
  if (now - last < 3600_000) {
    if (f.info.keepDays !== 0) return {};
    return await keepSwept(home, f.folder, await prune(f.root, now, 0), {});
  }
  try {
    const { removeStaleTemps } = await lazyImport<typeof import("../files/stale_temps.ts")>(
      new URL("../files/stale_temps.ts", import.meta.url),
    );
    // Temporary files of transfers that will resume stay; held files go
    // back, but for those whose path the folder deleted since: kept under
    // .mycel/versions/, as the scan's settling does (state_deleted.ts).
    const keep = new Set(home.folderLocal.transfers(f.folder).map((t) => t.temp));
    // Rules that can't be read (bad_ignore_file) skip this sweep: the folder is stopped.
    const leftAlone = await leftAloneHere(home, f);
    await removeStaleTemps(f.root, {
      now,
      keep,
      deleted: deletedInState(home, f.folder, leftAlone),
      apart: apartFolderHere(home, f),
    });
  } catch (e) {
    // Best effort, like the round's other sweeps: a folder that became
    // unreadable since its marker was looked at (a raw EACCES, found by a
    // review) must not end this round; its temporary files wait for the
    // next hourly sweep.
    if (!isMycelError(e) && (e as { code?: unknown }).code === undefined) throw e;
  }
  if (!blobs.done) {
    blobs.done = true;
    const { sweepBlobs } = await lazyImport<typeof import("./blob_sweep.ts")>(
      new URL("./blob_sweep.ts", import.meta.url),
    );
    await sweepBlobs(home);
  }
  const pruned = await prune(f.root, now, (f.info.keepDays ?? 30) * 86400_000);
  // The "now at" notes of versions of that age go with them (a row each).
  const { expireMovedNotes } = await lazyImport<typeof import("./moved_kept.ts")>(
    new URL("./moved_kept.ts", import.meta.url),
  );
  await expireMovedNotes(home, f.folder);
  return await keepSwept(home, f.folder, pruned, { swept: now });
}

/** Keep what the sweep could not do in the folder's info (with `more`); the lists that changed. */
async function keepSwept(
  home: Home,
  folder: string,
  r: PruneResult,
  more: FolderInfo,
): Promise<Swept> {
  const removedChanged = await keepList(home, folder, r.notRemoved, "notRemoved", more);
  const listedChanged = await keepList(home, folder, r.notListed, "notListed");
  return {
    ...(removedChanged ? { notRemoved: r.notRemoved } : {}),
    ...(listedChanged ? { notListed: r.notListed } : {}),
  };
}

/** Sweep the kept versions of the folder at `root` older than `retentionMs`; what could not be. */
async function prune(root: string, now: number, retentionMs: number): Promise<PruneResult> {
  const { pruneVersions } = await lazyImport<typeof import("../files/versions.ts")>(
    new URL("../files/versions.ts", import.meta.url),
  );
  return await pruneVersions(root, { now, retentionMs });
}
