/**
 * @module folder_apply_write
 * Writing a folder's files (folder_apply.ts) chunk by chunk: each chunk at
 * its offset in a temporary file beside the target (folder_apply_temps.ts),
 * a few such files open at once; a file with several chunks records which
 * are in (after an fsync: folder_apply_put.ts) so a later round, or the
 * next process after a crash, resumes it; a complete file is finished —
 * renamed into place and its row noted — by folder_apply_finish.ts. Apart because this is where
 * chunks from several sources at once are put one at a time, and where a
 * file's progress is made durable before it is recorded, which is what
 * makes a crash harmless.
 */

import type { PartialFile } from "../files/partial_file.ts";
import { Finisher } from "./folder_apply_finish.ts";
import { noteProblem } from "./folder_apply_problems.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import { bitSet, misstatedChunk, type Task } from "./folder_apply_task.ts";
import { putInto } from "./folder_apply_put.ts";
import { TempFiles } from "./folder_apply_temps.ts";

/** The temporary files of one folder's tasks, and the files they finish. */
export class TaskWriter {
  readonly #s: ApplySession;
  readonly #temps: TempFiles;
  readonly #finisher: Finisher;
  // One chunk is put at a time: chunks from several peers arrive at once, and
  // two puts racing would open two temporary files for one task, or evict
  // (close) a file another put is writing.
  #putting: Promise<unknown> = Promise.resolve();
  // The task of the put under way: its file is not closed for another's.
  #puttingTask: Task | undefined;

  /** `tick`: tell the progress. */
  constructor(s: ApplySession, tick: () => void) {
    this.#s = s;
    this.#temps = new TempFiles(s, {
      waiting: (t) => this.#finisher.waiting(t),
      putting: () => this.#puttingTask,
    });
    this.#finisher = new Finisher(s, this.#temps, tick);
  }

  // The temporary files themselves: TempFiles says how each of these works.

  /** The temporary file of `t`, opened (or made) when not open. */
  handle(t: Task): Promise<PartialFile> {
    return this.#temps.handle(t);
  }

  /** Open a resumed transfer's temporary file before anything of the task is counted. */
  resume(t: Task): Promise<void> {
    return this.#temps.resume(t);
  }

  /** Start opening `t`'s temporary file before its first chunk arrives, if there is room. */
  prepare(t: Task): void {
    this.#temps.prepare(t);
  }

  /** Close the temporary file of `t` if open (what it holds stays). */
  close(t: Task): void {
    this.#temps.close(t);
  }

  /** Delete the temporary file of `t` if open, giving its space back. */
  discard(t: Task): Promise<void> {
    return this.#temps.discard(t);
  }

  /** Make what `t` holds durable and close it (kept for the next round). */
  keep(t: Task): Promise<void> {
    return this.#temps.keep(t);
  }

  /** Note what `t`'s temporary file holds (once durable), so a later round resumes it. */
  noteTransfer(t: Task): void {
    this.#temps.noteTransfer(t);
  }

  /** Close every temporary file still open. */
  closeAll(): void {
    this.#temps.closeAll();
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
    await this.#temps.giveBack();
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
    const run = this.#putting.then(() => this.#temps.drop(t));
    this.#putting = run.catch(() => {});
  }

  /** Finish `t` alongside others (FINISHING_AT_ONCE at most, the rest queued in order). */
  finishing(t: Task): void {
    this.#finisher.finishing(t);
  }

  /** Wait until every file queued or finishing is finished. */
  async drain(): Promise<void> {
    await this.#temps.opened(); // head starts nothing came for
    await this.#finisher.drain();
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
      await putInto(this.#s, this, t, i, bytes, local);
    } finally {
      this.#puttingTask = undefined;
    }
  }
}
