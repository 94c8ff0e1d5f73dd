/**
 * @module folder_apply_write
 * Writing a folder's files (folder_apply.ts) chunk by chunk: each chunk at
 * its offset in a temporary file beside the target (partial_file.ts), a few
 * such files open at once; a file with several chunks records which are in
 * (after an fsync) so a later round, or the next process after a crash,
 * resumes it; a complete file is renamed into place (unless it changed on
 * this device meanwhile) and its row noted. Apart because this is where
 * crash safety lies: chunks arrive from several sources at once, and the
 * order of syncs, renames and records here is what makes a crash harmless.
 */

import type { ChunkRef } from "../files/chunk_hash.ts";
import { encodeFileVersion, type FileVersion } from "../files/file_version.ts";
import type { PlanIndexRow } from "../files/folder_plan.ts";
import { assertMarker } from "../files/folder_marker.ts";
import { PartialFile } from "../files/partial_file.ts";
import { MycelError } from "../errors.ts";
import { noteProblem, noteRaced } from "./folder_apply_problems.ts";
import { type ApplySession, asCopy, expectedOf } from "./folder_apply_session.ts";

/** One file to write this round. */
export interface Task {
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
  /** Bytes put since the folder's marker was last checked (copied or fetched). */
  sinceMarker?: number;
  /** When its progress was last made durable and recorded (ms). */
  syncedAt: number;
  finished: boolean;
}

export const bitSet = (bits: Uint8Array, i: number) => (bits[i >> 3] & (1 << (i & 7))) !== 0;

/** Bytes of the chunks whose bit in `done` is `set` (done, or still to come). */
export const bytesOf = (chunks: readonly ChunkRef[], done: Uint8Array, set: boolean) =>
  chunks.reduce((n, c, i) => bitSet(done, i) === set ? n + c.length : n, 0);
const setBit = (bits: Uint8Array, i: number) => bits[i >> 3] |= 1 << (i & 7);

/**
 * Why `t` can't be written: its version gives chunk `i` a length its bytes
 * (which hash to its id) do not have. Only the version can be wrong — the
 * id is the hash of the bytes — so neither the bytes nor their sender are
 * blamed; `maker` names who published it.
 */
export function misstatedChunk(t: Task, i: number, actual: number, maker: string): MycelError {
  const c = t.chunks[i];
  return new MycelError(
    "chunk_length_misstated",
    "write file",
    `its version (made by ${maker}) says chunk ${c.hash.slice(0, 16)} is ${c.length} bytes, ` +
      `but that chunk is ${actual} bytes; the version is wrong and the file is not written`,
  );
}

/**
 * Files finishing (fsync, rename) at once; the others complete wait in a
 * queue. Exported so the test of a queued file can fill every place
 * (tests/folders/finish_queue_test.ts).
 */
export const FINISHING_AT_ONCE = 32;

/** The temporary files of one folder's tasks, and the files they finish. */
export class TaskWriter {
  readonly #s: ApplySession;
  readonly #tick: () => void;
  readonly #open = new Map<Task, PartialFile>();
  // Every temporary file opened this round, closed or not, until it is
  // finished or discarded: what giveBack() deletes by name when it holds no
  // chunk (reopening one needs the folder's marker, gone when it stopped).
  readonly #files = new Map<Task, PartialFile>();
  // Probed once, at the first file finished (its opening checked the marker).
  #modes: boolean | undefined;
  // Files finish (fsync, rename) several at once: the disk commits their syncs together.
  readonly #running = new Set<Promise<void>>();
  // Files complete but waiting for a place (FINISHING_AT_ONCE). Queued
  // rather than awaited: behind a large file's fsync (ext4 commits every
  // other file's sync with it, ~0.3 s for 256 MiB here) all 32 places fill,
  // and waiting there held the chunk puts and with them the whole fetch.
  readonly #queued: Task[] = [];
  // The same files, for a look-up: their handles are the ones closed first.
  readonly #waiting = new Set<Task>();
  // Files being opened (made), each until its open settles.
  readonly #opening = new Map<Task, Promise<void>>();
  // Files whose head start failed (a parent folder not made yet, say): not tried again.
  readonly #noHeadStart = new Set<Task>();
  #drained: (() => void) | undefined;
  // One chunk is put at a time: chunks from several peers arrive at once, and
  // two puts racing would open two temporary files for one task, or evict
  // (close) a file another put is writing.
  #putting: Promise<unknown> = Promise.resolve();
  // The task of the put under way: its file is not closed for another's.
  #puttingTask: Task | undefined;

  /** `tick`: tell the progress. */
  constructor(s: ApplySession, tick: () => void) {
    this.#s = s;
    this.#tick = tick;
  }

  /**
   * The temporary file of `t`, opened (or made) when not open. About 16 are
   * open at once: one more first closes an idle one (#room).
   */
  handle(t: Task): Promise<PartialFile> {
    return this.#get(t, false);
  }

  /**
   * Open a resumed transfer's temporary file before anything of the task is
   * counted; if it is gone, the task starts over with a new one and nothing
   * done (later, once chunks are counted in, a temporary file gone is the
   * task's failure: see #start).
   */
  async resume(t: Task): Promise<void> {
    await this.#get(t, true);
  }

  /** `t`'s open file, else the one its opening under way gives, else one opened now. */
  async #get(t: Task, startOver: boolean): Promise<PartialFile> {
    for (;;) {
      const p = this.#open.get(t);
      if (p !== undefined) return p;
      const opening = this.#opening.get(t);
      if (opening !== undefined) {
        await opening; // a head start (prepare()) or another caller; failed: try ourselves
        continue;
      }
      this.#room(false);
      return await this.#start(t, startOver);
    }
  }

  /**
   * Start opening `t`'s temporary file before its first chunk arrives, if a
   * place is free or a waiting file's can be taken: making a file is the one
   * costly call of a small file's path, and it then runs on another thread
   * while this one handles the chunks before it. Only a head start: a failure
   * is left for handle() to meet again and report. A parent folder not there
   * yet is not made (the open fails): made for chunks that never came, it
   * would stay, empty.
   */
  prepare(t: Task): void {
    if (t.finished || this.#open.has(t) || this.#opening.has(t) || this.#noHeadStart.has(t)) return;
    if (!this.#room(true)) return;
    this.#start(t, false, false).catch(() => this.#noHeadStart.add(t)); // tried once
  }

  /**
   * Open (or make) `t`'s file, listed as opening until that settles. A file
   * made anew holds nothing: unless `startOver`, a task with chunks already
   * in (a temporary file that went away from outside while closed) fails
   * instead — filling the new file would place zeros where those chunks
   * were — and the next round fetches it again.
   */
  #start(t: Task, startOver: boolean, makeParents = true): Promise<PartialFile> {
    const { root } = this.#s.folder;
    const run = PartialFile.open(root, t.path, t.version.size, t.temp, makeParents).then(
      async (r) => {
        if (!r.resumed && !startOver && bytesOf(t.chunks, t.done, true) > 0) {
          await r.file.discard();
          throw new Error(
            "its temporary file went away before it was complete; it is fetched again",
          );
        }
        if (!r.resumed) t.done.fill(0);
        t.temp = r.file.temp;
        this.#open.set(t, r.file);
        this.#files.set(t, r.file);
        return r.file;
      },
    );
    const settled = run.then(() => {}, () => {}).finally(() => this.#opening.delete(t));
    this.#opening.set(t, settled);
    return run;
  }

  /**
   * Whether one more file may open: true when fewer than 16 are open or
   * opening, or once an idle one is closed — of the files waiting in the
   * finishing queue, the one opened last (opened again when its turn
   * comes), else, unless `preparing` (a guess, worth no more), the oldest
   * file still being filled that the put under way is not writing. A file
   * finishing and the put's own are never closed under their users; when
   * nothing is idle one more opens.
   */
  #room(preparing: boolean): boolean {
    if (this.#open.size + this.#opening.size < 16) return true;
    let idle: Task | undefined;
    for (const t of this.#open.keys()) if (this.#waiting.has(t)) idle = t;
    if (idle === undefined && !preparing) {
      for (const t of this.#open.keys()) {
        if (!t.finished && t !== this.#puttingTask) {
          idle = t;
          break;
        }
      }
    }
    if (idle === undefined) return !preparing;
    this.#open.get(idle)!.close();
    this.#open.delete(idle);
    return true;
  }

  /** Close the temporary file of `t` if open (what it holds stays). */
  close(t: Task): void {
    this.#open.get(t)?.close();
    this.#open.delete(t);
  }

  /** Delete the temporary file of `t` if open, giving its space back. */
  async discard(t: Task): Promise<void> {
    await this.#open.get(t)?.discard();
    this.#open.delete(t);
    this.#files.delete(t);
  }

  /**
   * Make what `t` holds durable and close it (kept for the next round). A
   * file closed for room is synced by name, not reopened (PartialFile.sync).
   */
  async keep(t: Task): Promise<void> {
    const p = this.#open.get(t) ?? this.#files.get(t) ?? await this.handle(t);
    await p.sync();
    p.close();
    this.#open.delete(t);
  }

  /** Note what `t`'s temporary file holds (once durable), so a later round resumes it. */
  noteTransfer(t: Task): void {
    this.#s.record.note({
      kind: "transfer",
      path: t.path,
      version: t.id,
      temp: t.temp!,
      done: t.done.slice(),
    });
  }

  /** Close every temporary file still open. */
  closeAll(): void {
    for (const p of this.#open.values()) p.close();
  }

  /**
   * At the end of the round, however it ends (done, the folder stopped, an
   * error): delete every temporary file opened this round that holds no
   * chunk — made ahead of chunks that never came (prepare()), or made anew
   * for a resumed transfer whose file had gone — and close the rest. Deleted
   * by the name it was made under, not reopened: reopening checks the
   * folder's marker, and a folder that stopped mid-round left every such
   * file behind, empty. What holds chunks stays for the next round (it is
   * kept and recorded by the caller when the round got that far).
   */
  async giveBack(): Promise<void> {
    await this.#putting;
    await Promise.all(this.#opening.values());
    for (const [t, p] of this.#files) {
      if (bytesOf(t.chunks, t.done, true) === 0) await p.discard();
    }
    this.#files.clear();
    this.closeAll();
    this.#open.clear();
  }

  /**
   * Put chunk `i` of `t`; the file finishes once it holds every chunk.
   * `local`: copied from this device's own files, which a round after a
   * crash copies again at disk speed, so it brings no resume point closer
   * (an fsync mid-file stalled a 511 MiB local copy for half a second).
   */
  put(t: Task, i: number, bytes: Uint8Array, local = false): Promise<void> {
    const run = this.#putting.then(() => this.#putNow(t, i, bytes, local));
    this.#putting = run.catch(() => {});
    return run;
  }

  /**
   * Give `t` up for this round: `e` says why (a version that misstates a
   * chunk's length, which no source can put right). Said now, and no chunk
   * is put in it any more; its temporary file, whatever it holds, is
   * deleted after the put under way (the next round would only meet the
   * same lie). Not for a file finishing already.
   */
  refuse(t: Task, e: unknown): void {
    if (t.finished) return;
    t.finished = true;
    noteProblem(this.#s, t.path, e);
    const run = this.#putting.then(async () => {
      await this.#opening.get(t); // a head start under way: its file is ours to delete too
      const p = this.#open.get(t) ?? this.#files.get(t);
      this.#open.delete(t);
      this.#files.delete(t);
      await p?.discard();
    });
    this.#putting = run.catch(() => {});
  }

  /** Finish `t` alongside others (FINISHING_AT_ONCE at most, the rest queued in order). */
  finishing(t: Task): void {
    t.finished = true; // no chunk is put in it any more
    this.#queued.push(t);
    this.#waiting.add(t);
    this.#startQueued();
  }

  /** Wait until every file queued or finishing is finished. */
  async drain(): Promise<void> {
    await Promise.all(this.#opening.values()); // head starts nothing came for
    while (this.#running.size > 0 || this.#queued.length > 0) {
      await new Promise<void>((resolve) => this.#drained = resolve);
    }
  }

  #startQueued(): void {
    while (this.#running.size < FINISHING_AT_ONCE && this.#queued.length > 0) {
      const t = this.#queued.shift()!;
      this.#waiting.delete(t);
      const p: Promise<void> = this.#finish(t).finally(() => {
        this.#running.delete(p);
        this.#startQueued();
        if (this.#running.size === 0 && this.#queued.length === 0) this.#drained?.();
      });
      this.#running.add(p);
    }
  }

  async #putNow(t: Task, i: number, bytes: Uint8Array, local: boolean): Promise<void> {
    if (t.finished || bitSet(t.done, i)) return;
    // Bytes checked against the chunk's id, but of another length than the
    // version says (local or fetched): written at its offset they overran the
    // next chunk or the file's size, and the row recorded places that are not
    // on disk. The version is wrong; the file is given up (found by a review).
    if (bytes.length !== t.chunks[i].length) {
      const maker = this.#s.makerName(t.version.modifiedBy);
      return this.refuse(t, misstatedChunk(t, i, bytes.length, maker));
    }
    this.#puttingTask = t;
    try {
      await this.#putInto(t, i, bytes, local);
    } finally {
      this.#puttingTask = undefined;
    }
  }

  async #putInto(t: Task, i: number, bytes: Uint8Array, local: boolean): Promise<void> {
    const p = await this.handle(t);
    await p.writeAt(t.offsets[i], bytes);
    setBit(t.done, i);
    t.left--;
    if (!local) t.sinceSync += bytes.length;
    this.#s.doneBytes += bytes.length;
    if (t.left === 0) return this.finishing(t);
    // A large file's chunks go into a file already open, which checks no
    // marker: a folder that stopped meanwhile is found within 16 MiB, fetched
    // or copied, not after the whole file (what it holds is kept: the caller).
    t.sinceMarker = (t.sinceMarker ?? 0) + bytes.length;
    if (t.sinceMarker >= 16 << 20) {
      t.sinceMarker = 0;
      assertMarker(this.#s.folder.root, "fetch file");
    }
    if (t.sinceSync >= 16 << 20) {
      if (Date.now() - t.syncedAt < 1000) return;
      await p.sync();
      t.sinceSync = 0;
      t.syncedAt = Date.now();
      this.noteTransfer(t);
      await this.#s.record.checkpoint(true); // durable first (the sync above), then recorded
    }
  }

  /** Rename `t` into place (synced; its folder is synced before its row is recorded). */
  async #finish(t: Task): Promise<void> {
    const s = this.#s;
    // Opening belongs in the try: an empty file's temporary file is first made
    // here, and a refusal (a name exFAT can't hold, no inode left) is that
    // file's problem — outside, it rejected a promise nobody waited on yet and
    // ended the process.
    let p: PartialFile | undefined;
    try {
      if (s.stopped !== undefined) return await this.#later(t);
      // A file that waited in the queue may have had its handle closed for
      // another's: opened again, it must still hold every chunk (#start).
      p = await this.handle(t);
      this.#modes ??= s.fsTraits()?.modes ?? true;
      this.#open.delete(t);
      this.#files.delete(t); // renamed into place, or deleted by finish()
      const r = await p.finish({
        expected: expectedOf(t.expected),
        mtimeMs: t.version.mtime,
        exec: t.version.exec,
        modes: this.#modes,
        syncDir: false,
      });
      s.record.renamedInto(p.dir);
      if (r.status === "changed_locally") {
        noteRaced(s, t.path, r.keptAs, "kept; it will sync as a conflict");
        return;
      }
      const published = t.copy ? asCopy(t.version, s.self) : undefined;
      const bytes = encodeFileVersion(published ?? t.version);
      s.record.note({
        kind: "row",
        row: { path: t.path, kind: "file", ...r.stat, version: bytes },
        chunks: t.chunks,
        publish: published,
        dropTransfer: true,
      });
      s.settled.add(t.path);
      s.report.done++;
      s.doneFiles++;
      this.#tick();
      await s.record.checkpoint();
    } catch (e) {
      noteProblem(s, t.path, e);
      if (s.stopped !== undefined) await this.#later(t, p);
    }
  }

  /**
   * A complete file of a folder that stopped during the round is not put in
   * place: what it holds is made durable and recorded, and the round after
   * the folder is back places it without fetching it again. `p`: its file,
   * when finish() had it already (PartialFile.finish leaves it for this).
   */
  async #later(t: Task, p = this.#open.get(t) ?? this.#files.get(t)): Promise<void> {
    if (p === undefined) return; // never made, or not ours any more
    try {
      await p.sync();
      p.close();
      this.#open.delete(t);
      this.noteTransfer(t);
    } catch {
      // gone with its disk: when that is back, the sweep of stale temporary files takes it
    }
  }
}
