/**
 * @module folder_apply_finish
 * Finishing a folder's complete files (folder_apply_write.ts): each
 * temporary file synced and renamed into place — unless the file changed on
 * this device meanwhile — and its row noted, several at once and the rest
 * queued; a folder that stopped keeps its complete files for the next
 * round instead. Apart from the writer because the order here (sync,
 * rename, record) is what makes a crash between them harmless, and the
 * queue is what keeps a large file's fsync from holding every chunk put.
 */

import { encodeFileVersion } from "../log/file_version_codec.ts";
import type { PartialFile } from "../files/partial_file.ts";
import { noteProblem, noteRaced } from "./folder_apply_problems.ts";
import { type ApplySession, asCopy, expectedOf } from "./folder_apply_session.ts";
import type { Task } from "./folder_apply_task.ts";
import { noteKept } from "./folder_apply_unkeep.ts";
import type { TempFiles } from "./folder_apply_temps.ts";

/**
 * Files finishing (fsync, rename) at once; the others complete wait in a
 * queue. Exported so the test of a queued file can fill every place
 * (tests/folders/finish_queue_test.ts).
 */
export const FINISHING_AT_ONCE = 32;

/** The finishing of one folder's complete files. */
export class Finisher {
  readonly #s: ApplySession;
  readonly #temps: TempFiles;
  readonly #tick: () => void;
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
  #drained: (() => void) | undefined;

  /** `tick`: tell the progress. */
  constructor(s: ApplySession, temps: TempFiles, tick: () => void) {
    this.#s = s;
    this.#temps = temps;
    this.#tick = tick;
  }

  /** Whether `t` is complete and waits in the queue for a place. */
  waiting(t: Task): boolean {
    return this.#waiting.has(t);
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
      // another's: opened again, it must still hold every chunk (TempFiles).
      p = await this.#temps.handle(t);
      this.#modes ??= s.fsTraits()?.modes ?? true;
      this.#temps.forget(t); // renamed into place, or deleted by finish()
      const r = await p.finish({
        expected: expectedOf(t.expected),
        mtimeMs: t.version.mtime,
        exec: t.version.exec,
        modes: this.#modes,
        syncDir: false,
        keepChanged: t.chunks.length > 1,
        // The same bytes it replaces (an exec bit not changed in place): nothing to keep.
        keepReplaced: !s.sameBytes.has(t.path),
      });
      s.record.renamedInto(p.dir);
      if (r.status === "changed_locally") {
        noteRaced(s, t.path, r.keptAs, "kept; it will sync as a conflict");
        return await this.#setAside(t, p);
      }
      noteKept(s, t.path, r.keptAs, t.expected?.version ?? null);
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
      if (t.copy) (s.report.copiesMade ??= []).push(t.path);
      s.doneFiles++;
      s.interim.finished(t.path);
      this.#tick();
      await s.record.checkpoint(s.noteInterim(false));
    } catch (e) {
      noteProblem(s, t.path, e);
      if (s.stopped !== undefined) await this.#later(t, p);
    }
  }

  /**
   * A complete file whose target changed here meanwhile (a save during the
   * fetch) is kept, durable, as a transfer of its version: the next round's
   * scan publishes the change, a conflict, and that round puts this content
   * at the path or at its conflict copy's name from this file
   * (folder_apply_reuse.ts) instead of fetching it all again — a 1 GiB file
   * saved during its fetch cost another 1 GiB. A one-chunk file is not kept
   * (PartialFile.finish deleted it): fetching it again costs little.
   */
  async #setAside(t: Task, p: PartialFile): Promise<void> {
    if (t.chunks.length < 2) return;
    try {
      await p.sync(); // by its name: gone when the swap used it up, and then nothing is kept
      this.#temps.noteTransfer(t);
    } catch {
      // gone: the next round fetches it
    }
  }

  /**
   * A complete file of a folder that stopped during the round is not put in
   * place: what it holds is made durable and recorded, and the round after
   * the folder is back places it without fetching it again. `p`: its file,
   * when finish() had it already (PartialFile.finish leaves it for this).
   */
  async #later(t: Task, p = this.#temps.held(t)): Promise<void> {
    if (p === undefined) return; // never made, or not ours any more
    try {
      await p.sync();
      p.close();
      this.#temps.closed(t);
      this.#temps.noteTransfer(t);
    } catch {
      // gone with its disk: when that is back, the sweep of stale temporary files takes it
    }
  }
}
