/**
 * @module folder_apply_temps
 * The temporary files of one folder's writes (folder_apply_write.ts), one
 * per task beside its target (partial_file.ts): opened or made when a chunk
 * comes (or ahead of it, as a head start), about 16 open at once — one more
 * first closes an idle one — and at the round's end those that hold no chunk
 * deleted. Apart from the writer because which handle is open, which is
 * being made and which may be closed for another is bookkeeping of its own,
 * whatever puts the chunks and finishes the files.
 */

import { modeFor } from "../files/assemble.ts";
import { PartialFile } from "../files/partial_file.ts";
import { parentOf } from "../files/paths.ts";
import type { ApplySession } from "./folder_apply_session.ts";
import { bytesOf, type Task } from "./folder_apply_task.ts";
import { makeRoom, type TaskUse } from "./folder_apply_room.ts";

/** The temporary files of one folder's tasks. */
export class TempFiles {
  readonly #s: ApplySession;
  readonly #use: TaskUse;
  readonly #open = new Map<Task, PartialFile>();
  // Every temporary file opened this round, closed or not, until it is
  // finished or discarded: what giveBack() deletes by name when it holds no
  // chunk (reopening one needs the folder's marker, gone when it stopped).
  readonly #files = new Map<Task, PartialFile>();
  // Files being opened (made), each until its open settles.
  readonly #opening = new Map<Task, Promise<void>>();
  // Files whose head start failed (a parent folder not made yet, say): not tried again.
  readonly #noHeadStart = new Set<Task>();
  // Parent folders where a head start failed, until a file opens in one: the
  // others there would fail alike (a first sync's new folders are made by
  // the first chunk put in each), each a look-up and a thrown error for nothing.
  readonly #noHeadStartIn = new Set<string>();
  // The folder root's real path, as the first file opened found it (PartialFile.open).
  #realRoot: string | undefined;

  constructor(s: ApplySession, use: TaskUse) {
    this.#s = s;
    this.#use = use;
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
    const parent = parentOf(t.path);
    if (this.#noHeadStartIn.has(parent)) return;
    if (!this.#room(true)) return;
    this.#start(t, false, false).catch(() => { // tried once
      this.#noHeadStart.add(t);
      this.#noHeadStartIn.add(parent);
    });
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
    const run = PartialFile.open(
      root,
      t.path,
      t.version.size,
      t.temp,
      makeParents,
      this.#realRoot,
      // A new path: made with the mode it ends with, so finishing it
      // changes no mode (temp_mode.ts); one replacing a file stays 0600
      // until then (the replaced file's mode is read at the end).
      t.expected === null ? modeFor(null, undefined, t.version.exec) : undefined,
    ).then(
      async (r) => {
        this.#realRoot ??= r.file.realRoot;
        this.#noHeadStartIn.delete(parentOf(t.path));
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

  /** Whether one more file may open, once an idle one is closed if need be (folder_apply_room.ts). */
  #room(preparing: boolean): boolean {
    return makeRoom(this.#open, this.#opening, this.#use, preparing);
  }

  /** `t`'s file, open or closed for room, if it has one this round. */
  held(t: Task): PartialFile | undefined {
    return this.#open.get(t) ?? this.#files.get(t);
  }

  /** Settles once every file being opened is (or failed). */
  async opened(): Promise<void> {
    await Promise.all(this.#opening.values());
  }

  /** `t`'s file is closed (by its user): no longer counted open. */
  closed(t: Task): void {
    this.#open.delete(t);
  }

  /** `t`'s file is not ours any more (renamed into place, or deleted): forget it. */
  forget(t: Task): void {
    this.#open.delete(t);
    this.#files.delete(t);
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
   * Delete `t`'s temporary file, open or not, once a head start under way
   * settles (its file is ours to delete too).
   */
  async drop(t: Task): Promise<void> {
    await this.#opening.get(t);
    const p = this.held(t);
    this.forget(t);
    await p?.discard();
  }

  /**
   * Make what `t` holds durable and close it (kept for the next round). A
   * file closed for room is synced by name, not reopened (PartialFile.sync).
   */
  async keep(t: Task): Promise<void> {
    const p = this.held(t) ?? await this.handle(t);
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
   * Delete every temporary file opened this round that holds no chunk, and
   * close the rest (TaskWriter.giveBack says when and why).
   */
  async giveBack(): Promise<void> {
    await this.opened();
    for (const [t, p] of this.#files) {
      if (bytesOf(t.chunks, t.done, true) === 0) await p.discard();
    }
    this.#files.clear();
    this.closeAll();
    this.#open.clear();
  }
}
