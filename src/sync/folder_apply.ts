/**
 * @module folder_apply
 * Make this device's copy of a folder show the folder state: run the plan
 * (src/files/folder_plan.ts) — conflict copies, fetched files, links,
 * adoptions, removals, merges — then record what the disk now holds and
 * publish the versions the plan makes (copies, merges).
 *
 * - File content comes first from chunks this device already has in any
 *   indexed file (a rename or copy elsewhere fetches nothing), then from
 *   peers (file_fetch.ts), each chunk checked against its id. Chunks are
 *   written at their offsets into a temporary file beside the target
 *   (partial_file.ts); a file with several chunks records which are in
 *   (after an fsync) so a later round, or the next process after a crash,
 *   resumes it. The file is renamed into place only when complete.
 * - A file that changed on disk since the index saw it is left alone
 *   (`changed_locally`): the next scan publishes the local edit, which is
 *   then a conflict, never lost.
 * - Index rows, chunk places and published versions are written in batches
 *   of short transactions, never held across the network.
 */

import { join } from "node:path";
import { isMycelError } from "../errors.ts";
import type { ChunkRef } from "../files/chunk_hash.ts";
import { sameContent } from "../files/conflict.ts";
import { CaseNames } from "../files/fs_names.ts";
import { foldPath } from "../files/path_portability.ts";
import { type ExpectedEntry, takeMtime } from "../files/disk_state.ts";
import { decodeFileVersion, encodeFileVersion, type FileVersion } from "../files/file_version.ts";
import { casePairs, renameCase } from "../files/case_rename.ts";
import { cannotWrite, folderDiskFull, isDiskFull, isUnwritable } from "../files/disk_full.ts";
import { humanBytes } from "../human.ts";
import { freeBytes } from "../storage/disk.ts";
import {
  type FolderPlan,
  type PlanAction,
  planFolder,
  type PlanIndexRow,
} from "../files/folder_plan.ts";
import { resolveChunkList } from "../files/manifest_tree.ts";
import { PartialFile } from "../files/partial_file.ts";
import { checkRelativePath, parentOf } from "../files/paths.ts";
import { removeEmptyParents, removeEntry } from "../files/remove_entry.ts";
import {
  clearEmptyFolder,
  foldersAt,
  removalsInTheWay,
  writesAfterLate,
  writesOverFolders,
} from "../files/kind_change.ts";
import { bumpVv, mergeVv, type VersionVector } from "../files/version_vector.ts";
import { writeSymlink } from "../files/write_symlink.ts";
import { pathTooLongHere, writeReason } from "../files/write_problem.ts";
import { ensureRealParents, syncDir } from "../files/safe_paths.ts";
import { versionId } from "../log/folder_state.ts";
import { shortDeviceId } from "../log/device_id.ts";
import { DeviceKey } from "../log/device_key.ts";
import type { Op } from "../log/ops.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow, LocalFolder } from "../storage/sql_folder_local.ts";
import { Fetcher, type FetchPeer, type PeerFetchReport } from "./file_fetch.ts";
import { folderFs } from "./folder_fs.ts";
import { commitSplit } from "./folder_scan.ts";
import { KeptChunks } from "./kept_chunks.ts";
import { NobodyHas, type UnfetchableFile } from "./unfetchable.ts";
import { leftAloneHere, withoutIgnored } from "./left_alone.ts";
import { LocalChunks } from "./local_chunks.ts";

/** How to apply. */
export interface ApplyOptions {
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
  /** Progress: files and bytes done of the totals. */
  progress?: (p: { files: number; totalFiles: number; bytes: number; totalBytes: number }) => void;
}

/** What applying did and what is left. */
export interface ApplyReport {
  readonly folder: string;
  /** Actions done this round. */
  done: number;
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
}

interface Task {
  readonly path: string;
  readonly version: FileVersion & { kind: "file" };
  readonly id: string;
  readonly expected: PlanIndexRow | null;
  readonly copy: boolean;
  chunks: ChunkRef[];
  offsets: number[];
  done: Uint8Array;
  left: number;
  temp?: string;
  sinceSync: number;
  /** When its progress was last made durable and recorded (ms). */
  syncedAt: number;
  finished: boolean;
}

type Done =
  | {
    kind: "row";
    row: IndexRow;
    chunks?: readonly ChunkRef[];
    publish?: FileVersion;
    dropTransfer?: boolean;
  }
  | { kind: "gone"; path: string }
  | { kind: "transfer"; path: string; version: string; temp: string; done: Uint8Array }
  | { kind: "publish"; version: FileVersion };

const expectedOf = (row: PlanIndexRow | null): ExpectedEntry =>
  row === null ? null : { kind: row.kind, size: row.size, mtimeMs: row.mtimeMs, ino: row.ino };

const bitSet = (bits: Uint8Array, i: number) => (bits[i >> 3] & (1 << (i & 7))) !== 0;

/** Bytes of the chunks whose bit in `done` is `set` (done, or still to come). */
const bytesOf = (chunks: readonly ChunkRef[], done: Uint8Array, set: boolean) =>
  chunks.reduce((n, c, i) => bitSet(done, i) === set ? n + c.length : n, 0);
const setBit = (bits: Uint8Array, i: number) => bits[i >> 3] |= 1 << (i & 7);

/** Apply the folder state to `folder` (see the module comment). */
export async function applyFolder(
  home: Home,
  folder: LocalFolder,
  o: ApplyOptions,
): Promise<ApplyReport> {
  const fl = home.folderLocal;
  const id = folder.folder;
  const index = fl.index(id);
  const ignored = await leftAloneHere(home, folder);
  const plan: FolderPlan = planFolder(
    withoutIgnored(home.view.folders().paths(id), ignored),
    new Map([...index.rows].filter(([p]) => !ignored(p))),
    versionId,
  );
  const report: ApplyReport = {
    folder: id,
    done: 0,
    needFiles: 0,
    needBytes: 0,
    conflicts: plan.conflicts.length,
    fetchedBytes: 0,
    localBytes: 0,
    peers: [],
    problems: [],
    published: 0,
    unfetchable: [],
  };
  const nobody = o.holders === undefined ? undefined : new NobodyHas(o.holders, (maker) => {
    const key = DeviceKey.fromId(maker);
    if (key === home.device) return "this device";
    const m = home.view.member(key);
    if (m === undefined) return shortDeviceId(maker);
    return `${m.record.name || key.short}${m.removed === undefined ? "" : " (removed)"}`;
  });
  const self = home.device;
  let queue: Done[] = [];
  const rowsNow = new Map<string, IndexRow | null>();
  // Folders renamed into since the last flush: synced once each before their rows are recorded.
  let dirs = new Set<string>();
  const flush = async () => {
    if (queue.length === 0) return;
    const batch = queue;
    queue = [];
    const synced = [...dirs];
    dirs = new Set();
    await Promise.all(synced.map(syncDir));
    const ops: [Op, number][] = [];
    await home.write(async (w) => {
      const f = w.folderLocal;
      for (const d of batch) {
        if (d.kind === "row") {
          f.putIndex(id, d.row);
          if (d.chunks !== undefined) f.setLocs(id, d.row.path, d.chunks);
          if (d.dropTransfer) f.dropTransfer(id, d.row.path);
          if (d.publish) {
            ops.push([
              { type: "file.version", folder: id, version: d.publish },
              d.row.version!.length,
            ]);
          }
        } else if (d.kind === "gone") {
          f.dropIndex(id, d.path);
          f.dropTransfer(id, d.path);
        } else if (d.kind === "transfer") {
          f.putTransfer(id, { path: d.path, version: d.version, temp: d.temp, done: d.done });
        } else {
          ops.push([{ type: "file.version", folder: id, version: d.version }, 512]);
        }
      }
      await commitSplit(w, ops);
    });
    report.published += ops.length;
  };
  const note = (d: Done) => {
    queue.push(d);
    if (d.kind === "row") rowsNow.set(d.row.path, d.row);
    if (d.kind === "gone") rowsNow.set(d.path, null);
  };
  // Paths whose action this round did: they hold its version by construction.
  const settled = new Set<string>();
  const rowAfter = (path: string) => rowsNow.has(path) ? rowsNow.get(path)! : index.rows.get(path);
  // A local save raced the write: it stays (the next scan publishes it). A
  // file the write had already moved aside is kept under .mycel/versions/:
  // say where, so nothing is silently out of sight.
  const raced = (path: string, keptAs: string | undefined, what: string) => {
    report.problems.push({
      path,
      reason: `it changed on this device meanwhile (${what})` +
        (keptAs === undefined ? "" : `; the file it replaced is kept as ${keptAs}`),
    });
  };
  // Progress (counted from the first removal on).
  let doneBytes = 0, doneFiles = 0;
  const removedPaths: string[] = [];
  const removeOne = async (a: PlanAction & { kind: "remove" }) => {
    try {
      const r = await removeEntry(folder.root, a.path, { expected: expectedOf(a.expected) });
      if (r.status === "changed_locally") {
        raced(a.path, undefined, "kept, not deleted; the edit wins");
        return;
      }
      note({ kind: "gone", path: a.path });
      settled.add(a.path);
      removedPaths.push(a.path);
      report.done++;
      doneFiles++;
    } catch (e) {
      problem(a.path, e);
    }
  };
  // The folder's disk filled up, or it refuses writes altogether (read-only,
  // not ours): said once; nothing more is fetched or written this round.
  let full = false;
  let fetcher: Fetcher | undefined;
  const problem = (path: string, e: unknown) => {
    const unwritable = isUnwritable(e);
    if (isDiskFull(e) || unwritable !== undefined) {
      if (full) return;
      full = true;
      fetcher?.stop(); // whatever else is asked this round could not be written
      if (unwritable !== undefined) {
        report.problems.push({ path: ".", reason: `${unwritable} (${folder.root})` });
        return;
      }
      e = folderDiskFull(folder.root, e);
    }
    report.problems.push({ path, reason: writeReason(folder.root, path, e) });
  };

  // A folder on a read-only mount: said once, and nothing is fetched — every
  // round would fetch every file and fail to write it.
  const changes = plan.actions.filter((a) => a.kind === "write" || a.kind === "remove");
  const blocked = changes.length > 0 ? cannotWrite(folder.root) : undefined;
  if (blocked !== undefined) {
    report.problems.push({ path: ".", reason: `${blocked} (${folder.root})` });
    for (const a of changes) stillToCome(report, a);
    return report;
  }

  // 0. Case-only renames where the file system ignores case (case_rename.ts):
  // the file takes its new spelling first, and its removal is done with it.
  const skip = new Set<PlanAction>();
  for (const { write, remove } of casePairs(plan.actions)) {
    try {
      const at = await renameCase(
        folder.root,
        remove.path,
        write.path,
        expectedOf(remove.expected),
        home.now(),
      );
      if (at === undefined || at.kind !== "file") continue;
      const { kind: _, ...stat } = at;
      note({ kind: "gone", path: remove.path });
      settled.add(remove.path);
      skip.add(remove);
      report.done++;
      const held = remove.expected.version ? decodeFileVersion(remove.expected.version) : undefined;
      const row = { path: write.path, kind: "file" as const, ...stat };
      if (
        held?.kind === "file" && write.version.kind === "file" &&
        sameContent(held, write.version) &&
        held.exec === write.version.exec
      ) {
        // Where its chunks lie moves with it (to serve and reuse them).
        const v = write.version;
        const chunks = await resolveChunkList(v.chunks, v.size, (h) => fl.blob(h))
          .catch(() => chunksOfRow(v));
        note({ kind: "row", row: { ...row, version: encodeFileVersion(v) }, chunks });
        settled.add(write.path);
        skip.add(write);
        report.done++;
      } else {
        // Renamed and changed: the write replaces what now holds the new spelling,
        // and until it does, the index says what that is (the old version).
        const moved = { ...row, version: remove.expected.version };
        note({ kind: "row", row: moved });
        plan.actions[plan.actions.indexOf(write)] = { ...write, expected: moved };
      }
    } catch (e) {
      problem(write.path, e);
    }
  }
  // New paths a file system that ignores case already holds under another
  // spelling (Notes/ for notes/y.txt, Report.txt for report.txt): reported, not written.
  const fresh = plan.actions.filter((a) => a.kind === "write" && a.expected === null);
  // What the folder's file system can do (kept per disk; asked once per round).
  let traits: ReturnType<typeof folderFs> | null = null;
  const fsTraits = () => traits === null ? (traits = folderFs(folder)) : traits;
  const caseNames = fresh.length > 0 && fsTraits()?.ignoresCase === true
    ? new CaseNames(folder.root)
    : undefined;
  const refused = new Set<string>();
  for (const a of caseNames === undefined ? [] : fresh) {
    const clash = caseNames!.clash(a.path);
    if (clash === undefined) {
      caseNames!.add(a.path);
      continue;
    }
    report.problems.push({
      path: a.path,
      reason: `${JSON.stringify(clash.segment)} differs only in case from ${
        JSON.stringify(clash.twin)
      }, and this folder's file system ignores case`,
    });
    skip.add(a);
    stillToCome(report, a);
    refused.add(foldPath(a.path));
  }
  // Paths too long under where the folder lies here: nothing is fetched for them.
  for (const a of plan.actions) {
    if (a.kind !== "write" || skip.has(a)) continue;
    const tooLong = pathTooLongHere(folder.root, a.path);
    if (tooLong === undefined) continue;
    report.problems.push({ path: a.path, reason: tooLong });
    skip.add(a);
    stillToCome(report, a);
  }
  // A folder renamed only in case (Notes/ → notes/): its files' new spellings
  // were refused above, and here they are the same files as the old ones —
  // removing those would delete them. They stay where they are.
  for (const a of refused.size === 0 ? [] : plan.actions) {
    if (a.kind === "remove" && refused.has(foldPath(a.path))) skip.add(a);
  }
  // A path that changed kind (kind_change.ts): the removals in the way go
  // first, and a folder they leave empty gives its name to the file.
  const early = removalsInTheWay(plan.actions.filter((a) => !skip.has(a)));
  for (const a of early) {
    skip.add(a);
    await removeOne(a);
    if (!settled.has(a.path)) stillToCome(report, a); // kept (a local edit) or failed
  }
  for (const a of writesAfterLate(plan.actions.filter((a) => !skip.has(a)))) {
    skip.add(a);
    stillToCome(report, a);
  }
  const left = plan.actions.filter((a) => !skip.has(a));
  for (const path of foldersAt(folder.root, writesOverFolders(left, early))) {
    try {
      if (clearEmptyFolder(folder.root, path) !== "in_use") continue;
      const a = left.find((w) => w.kind === "write" && w.path === path)!;
      report.problems.push({
        path,
        reason: "a folder is in the way here and it is not empty (files that are not synced, " +
          "or not removed yet): the file arrives once it is",
      });
      skip.add(a);
      stillToCome(report, a);
    } catch (e) {
      problem(path, e);
    }
  }
  if (skip.size > 0) {
    // In place, without spreading (a spread of 125k actions overflows the call stack).
    let kept = 0;
    for (const a of plan.actions) if (!skip.has(a)) plan.actions[kept++] = a;
    plan.actions.length = kept;
  }

  // 1. Chunk lists of the files to write (manifest blobs from the home, else from peers).
  const writes = plan.actions.filter((a) => a.kind === "write");
  const fileWrites = writes.filter((a) => a.version.kind === "file");
  const lists = new Map<string, ChunkRef[]>();
  /** Per file, the blob of its chunk list the home lacks (after the last pass). */
  const blobOf = new Map<string, string>();
  let peers: FetchPeer[] | undefined;
  const getPeers = async () => peers ??= await o.peers();
  for (let pass = 0; pass < 4; pass++) {
    const missing = new Set<string>();
    for (const a of fileWrites) {
      const v = a.version as FileVersion & { kind: "file" };
      if (lists.has(a.path)) continue;
      try {
        lists.set(a.path, await resolveChunkList(v.chunks, v.size, (h) => fl.blob(h)));
      } catch (e) {
        if (isMycelError(e, "manifest_missing")) {
          const blob = String((e as { value?: string }).value ?? "");
          missing.add(blob);
          blobOf.set(a.path, blob);
        } else problem(a.path, e);
      }
    }
    if (missing.size === 0) break;
    const ps = await getPeers();
    if (ps.length === 0) break;
    const got: [string, Uint8Array][] = [];
    const fetcher = new Fetcher(ps, id, o.readTimeoutMs, (h, b) => {
      got.push([h, b.slice()]); // b is the fetcher's buffer
      return Promise.resolve();
    });
    for (const h of missing) if (h) fetcher.want(h, 0);
    fetcher.close();
    await fetcher.run();
    nobody?.heard(fetcher, missing);
    if (got.length === 0) break;
    await home.write((w) => {
      for (const [h, b] of got) w.folderLocal.putBlob(h, b);
    });
  }

  // 2. Files: local chunks first, then kept copies, then peers.
  const locals = new LocalChunks(home);
  // Then the copies this device kept of the same path (src/sync/kept_chunks.ts).
  const kept = new KeptChunks(folder.root);
  const tasks: Task[] = [];
  const wants = new Map<string, [Task, number][]>();
  const totalBytes = fileWrites.reduce((s, a) => s + (a.version as { size: number }).size, 0);
  const totalFiles = plan.actions.filter((a) => a.kind !== "merge").length + early.length;
  const tick = () => o.progress?.({ files: doneFiles, totalFiles, bytes: doneBytes, totalBytes });
  const open = new Map<Task, PartialFile>();
  const handle = async (t: Task): Promise<PartialFile> => {
    let p = open.get(t);
    if (p === undefined) {
      if (open.size >= 16) {
        const [oldT, oldP] = open.entries().next().value!;
        oldP.close();
        open.delete(oldT);
      }
      const r = await PartialFile.open(folder.root, t.path, t.version.size, t.temp);
      p = r.file;
      if (!r.resumed) t.done.fill(0);
      t.temp = p.temp;
      open.set(t, p);
    }
    return p;
  };
  // Probed once, at the first file finished (its opening checked the marker).
  let modes: boolean | undefined;
  const finish = async (t: Task) => {
    const p = await handle(t);
    modes ??= fsTraits()?.modes ?? true;
    open.delete(t);
    t.finished = true;
    try {
      const r = await p.finish({
        expected: expectedOf(t.expected),
        mtimeMs: t.version.mtime,
        exec: t.version.exec,
        modes,
        syncDir: false,
      });
      dirs.add(p.dir);
      if (r.status === "changed_locally") {
        raced(t.path, r.keptAs, "kept; it will sync as a conflict");
        return;
      }
      const published = t.copy
        ? { ...t.version, modifiedBy: self.id, vv: new Map([[self.id, 1]]) } as FileVersion
        : undefined;
      const bytes = encodeFileVersion(published ?? t.version);
      note({
        kind: "row",
        row: { path: t.path, kind: "file", ...r.stat, version: bytes },
        chunks: t.chunks,
        publish: published,
        dropTransfer: true,
      });
      settled.add(t.path);
      report.done++;
      doneFiles++;
      tick();
      if (queue.length >= 500) await flush();
    } catch (e) {
      problem(t.path, e);
    }
  };
  // Files finish (fsync, rename) several at once: the disk commits their syncs together.
  const running = new Set<Promise<void>>();
  const finishing = async (t: Task) => {
    while (running.size >= 32) await Promise.race(running);
    const p = finish(t).finally(() => running.delete(p));
    running.add(p);
  };
  const drain = () => Promise.all([...running]);
  // One chunk is put at a time: chunks from several peers arrive at once, and
  // two puts racing would open two temporary files for one task, or evict
  // (close) a file another put is writing.
  let putting: Promise<unknown> = Promise.resolve();
  const put = (t: Task, i: number, bytes: Uint8Array): Promise<void> => {
    const run = putting.then(() => putNow(t, i, bytes));
    putting = run.catch(() => {});
    return run;
  };
  const putNow = async (t: Task, i: number, bytes: Uint8Array) => {
    if (t.finished || bitSet(t.done, i)) return;
    const p = await handle(t);
    await p.writeAt(t.offsets[i], bytes);
    setBit(t.done, i);
    t.left--;
    t.sinceSync += bytes.length;
    doneBytes += bytes.length;
    if (t.left === 0) await finishing(t);
    else if (t.sinceSync >= 16 << 20 && Date.now() - t.syncedAt >= 1000) {
      await p.sync();
      t.sinceSync = 0;
      t.syncedAt = Date.now();
      note({ kind: "transfer", path: t.path, version: t.id, temp: t.temp!, done: t.done.slice() });
      await flush(); // durable first (the sync above), then recorded
    }
  };
  // Only what the folder's disk can hold is written, copied or fetched: a file
  // larger than the space left would be fetched and thrown away every round
  // (a phone's card joined to a laptop's folder). Files that do not fit, in
  // plan order, are reported; the rest go ahead.
  const available = fileWrites.length > 0 ? await freeBytes(folder.root) : undefined;
  let room = available === undefined ? undefined : available - FREE_MARGIN;
  for (const a of fileWrites) {
    if (full) break; // the rest is still to come
    if (a.kind !== "write") continue;
    const chunks = lists.get(a.path);
    if (chunks === undefined) continue;
    try {
      // Said now, not when its first chunk arrives (and never fetched for nothing).
      checkRelativePath(a.path); // e.g. .MYCEL/ignore: a valid entry, mycel's own file here
      ensureRealParents(folder.root, parentOf(a.path), false);
    } catch (e) {
      problem(a.path, e);
      continue;
    }
    const v = a.version as FileVersion & { kind: "file" };
    const saved = fl.transfer(id, a.path);
    const resume = saved !== undefined &&
      saved.version === (a.id || versionId(encodeFileVersion(v)));
    const offsets: number[] = [];
    let off = 0;
    for (const c of chunks) {
      offsets.push(off);
      off += c.length;
    }
    const t: Task = {
      path: a.path,
      version: v,
      id: a.id || versionId(encodeFileVersion(v)),
      expected: a.expected,
      copy: a.copy,
      chunks,
      offsets,
      done: resume ? saved.done.slice() : new Uint8Array((chunks.length + 7) >> 3),
      left: 0,
      temp: resume ? saved.temp : undefined,
      sinceSync: 0,
      syncedAt: Date.now(),
      finished: false,
    };
    if (room !== undefined) {
      // A resumed file holds what is done already: only the rest needs room.
      const need = bytesOf(chunks, t.done, false);
      if (need > room) {
        report.problems.push({
          path: a.path,
          reason: `the disk holding the folder is full: it needs ${humanBytes(need)} more, ${
            humanBytes(Math.max(0, room + FREE_MARGIN))
          } is free`,
        });
        continue;
      }
      room -= need;
    }
    try {
      // A resumed transfer's temporary file is checked now (gone: start over);
      // a new one is made when its first chunk arrives.
      if (t.temp !== undefined) await handle(t);
      t.left = chunks.filter((_, i) => !bitSet(t.done, i)).length;
      doneBytes += bytesOf(chunks, t.done, true);
      for (let i = 0; i < chunks.length; i++) {
        if (bitSet(t.done, i)) continue;
        const local = await locals.get(chunks[i].hash) ??
          await kept.get(t.path, t.version.size, t.offsets[i], chunks[i].length, chunks[i].hash);
        if (local !== undefined) {
          report.localBytes += local.length;
          await put(t, i, local);
          continue;
        }
        const list = wants.get(chunks[i].hash);
        if (list) list.push([t, i]);
        else wants.set(chunks[i].hash, [[t, i]]);
      }
      if (t.left === 0 && !t.finished) await finishing(t);
      else if (!t.finished) {
        tasks.push(t);
        open.get(t)?.close();
        open.delete(t);
      }
    } catch (e) {
      t.finished = true;
      problem(a.path, e);
      if (full) {
        // Give its space back (a full disk while copying local chunks).
        await open.get(t)?.discard();
        open.delete(t);
      }
    }
  }
  locals.close();
  kept.close();
  if (wants.size > 0 && !full) {
    const ps = await getPeers();
    if (ps.length > 0) {
      fetcher = new Fetcher(ps, id, o.readTimeoutMs, async (hash, bytes) => {
        report.fetchedBytes += bytes.length;
        for (const [t, i] of wants.get(hash) ?? []) {
          if (full) break;
          try {
            await put(t, i, bytes);
          } catch (e) {
            t.finished = true;
            problem(t.path, e);
            if (full) {
              // Give its space back (problem() asked for nothing more).
              await open.get(t)?.discard();
              open.delete(t);
            }
          }
        }
        tick();
      });
      let asked = 0;
      for (const [hash, list] of wants) {
        if (o.budget !== undefined && asked >= o.budget) break;
        const length = list[0][0].chunks[list[0][1]].length;
        fetcher.want(hash, length);
        asked += length;
      }
      fetcher.close();
      await fetcher.run();
      nobody?.heard(fetcher, wants.keys());
      report.peers = fetcher.reports;
    }
  }
  await drain();
  // Unfinished files: what they hold is kept for the next round.
  for (const t of tasks) {
    if (t.finished) continue;
    report.needFiles++;
    report.needBytes += bytesOf(t.chunks, t.done, false);
    const gone = nobody?.unfetchable(
      t.version,
      t.chunks.filter((_, i) => !bitSet(t.done, i)).map((c) => c.hash),
    );
    if (gone !== undefined) report.unfetchable.push(gone);
    if (t.temp === undefined) continue; // nothing of it written yet: nothing to keep
    try {
      const p = await handle(t);
      await p.sync();
      p.close();
      open.delete(t);
      if (t.chunks.length > 1) {
        note({
          kind: "transfer",
          path: t.path,
          version: t.id,
          temp: t.temp!,
          done: t.done.slice(),
        });
      }
    } catch (e) {
      problem(t.path, e);
    }
  }
  for (const p of open.values()) p.close();

  // 3. Links, adoptions, removals.
  for (const a of plan.actions) {
    try {
      if (a.kind === "write" && a.version.kind === "symlink") {
        const r = await writeSymlink(folder.root, a.path, a.version.target, {
          expected: expectedOf(a.expected),
        });
        if (r.status === "changed_locally") {
          raced(a.path, r.keptAs, "kept; it will sync as a conflict");
          continue;
        }
        const published = a.copy
          ? { ...a.version, modifiedBy: self.id, vv: new Map([[self.id, 1]]) } as FileVersion
          : undefined;
        note({
          kind: "row",
          row: {
            path: a.path,
            kind: "symlink",
            ...r.stat,
            exec: false,
            version: encodeFileVersion(published ?? a.version),
          },
          publish: published,
        });
        settled.add(a.path);
        report.done++;
      } else if (a.kind === "adopt") {
        // Same contents: only the time can differ (a touch elsewhere).
        if (a.version.kind === "file") {
          takeMtime(join(folder.root, a.path), a.row, a.version.mtime);
        }
        note({
          kind: "row",
          row: { ...a.row, version: encodeFileVersion(a.version) },
          chunks: chunksOfRow(a.version),
        });
        settled.add(a.path);
        report.done++;
      }
    } catch (e) {
      problem(a.path, e);
    }
  }
  // A file removed late is the source of a conflict copy: it goes only once
  // the copy is on the disk (a full disk or a race can leave the copy
  // unwritten, and then the file is all there is of that version here).
  const copiesOf = new Map<string, readonly string[]>();
  for (const a of plan.actions) if (a.kind === "merge") copiesOf.set(a.path, a.copies);
  for (const a of plan.actions) {
    if (a.kind !== "remove") continue;
    if (a.late && !(copiesOf.get(a.path) ?? []).every((c) => rowAfter(c))) continue;
    await removeOne(a);
  }
  // Folders the removals left empty go too (a folder renamed elsewhere).
  if (removedPaths.length > 0) removeEmptyParents(folder.root, removedPaths);
  // 4. Merges: the disk holds the winner and every copy exists.
  for (const a of plan.actions) {
    if (a.kind !== "merge") continue;
    const row = rowAfter(a.path);
    const held = row?.version ? decodeFileVersion(row.version) : undefined;
    const holdsWinner = a.winner.kind === "deleted"
      ? row === null || row === undefined
      : held !== undefined && sameContent(held, a.winner);
    const copiesOk = a.copies.every((p) => rowAfter(p));
    if (!holdsWinner || !copiesOk) continue;
    let vv: VersionVector = new Map();
    for (const v of a.set) vv = mergeVv(vv, v.vv);
    const merged = { ...a.winner, modifiedBy: self.id, vv: bumpVv(vv, self.id) } as FileVersion;
    if (row) note({ kind: "row", row: { ...row, version: encodeFileVersion(merged) } });
    note({ kind: "publish", version: merged });
    report.conflicts--;
  }
  await flush();
  // What is still to do: actions whose path does not hold their version yet
  // (unfinished fetches were counted above with the bytes they still lack).
  // Only paths this round did not settle are decoded: decoding all 5,000 of a
  // first sync's versions at the end was a burst of garbage that grew V8's
  // heap by ~25 MiB, the process's peak RSS.
  const unfinished = new Set(tasks.filter((t) => !t.finished).map((t) => t.path));
  for (const a of plan.actions) {
    if (a.kind === "merge" || unfinished.has(a.path) || settled.has(a.path)) continue;
    const now = rowAfter(a.path);
    const held = now?.version ? decodeFileVersion(now.version) : undefined;
    const ok = a.kind === "remove" ? !now : held !== undefined && sameContent(held, a.version);
    if (ok) continue;
    stillToCome(report, a);
    const blob = blobOf.get(a.path);
    if (blob === undefined || a.kind !== "write" || a.version.kind !== "file") continue;
    if (lists.has(a.path)) continue; // its list came later: it waits for its chunks
    const gone = nobody?.unfetchable(a.version as FileVersion & { kind: "file" }, [blob]);
    if (gone !== undefined) report.unfetchable.push(gone);
  }
  return report;
}

/** Count a write or removal this round left undone. */
function stillToCome(report: ApplyReport, a: PlanAction): void {
  report.needFiles++;
  if (a.kind === "write" && a.version.kind === "file") report.needBytes += a.version.size;
}

/** Inline chunks of a version (manifest lists keep the places set when the file was written). */
function chunksOfRow(v: FileVersion): ChunkRef[] | undefined {
  return v.kind === "file" && "inline" in v.chunks ? [...v.chunks.inline] : undefined;
}

/** Room kept free on a folder's disk when choosing what to fetch. */
const FREE_MARGIN = 1 << 20;
