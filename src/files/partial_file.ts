/**
 * @module partial_file
 * A file being fetched, written chunk by chunk at its offsets into a
 * `.mycel-tmp-*` file beside its target, in any order, across rounds and
 * process deaths: the caller records which chunks are in it only after
 * {@link PartialFile.sync}, so whatever a restart trusts is on disk. When
 * every chunk is in, {@link PartialFile.finish} does what assemble.ts does
 * at its end — mode, mtime, fsync, then place_entry.ts: the expected-state
 * check, the swap that never overwrites a local save, the replaced file
 * kept under `.mycel/versions/`, fsync of the folder — so the target's name
 * never holds a partly written file. A temporary file with a second name
 * (a crash right after it was linked into place) is not resumed: writing
 * into it would change the placed file. Chunks are checked against their
 * ids by the caller before they are written.
 */

import { join } from "node:path";
import { loadOpenNoFollow, openNoFollowSync } from "../open_no_follow.ts";
import { type ExpectedEntry, matchesExpected, onDisk, type WriteResult } from "./disk_state.ts";
import { modeFor } from "./assemble.ts";
import { readExactAt } from "./chunk_sources.ts";
import { isTempName, tempNameFor } from "./folder_layout.ts";
import { nameRefused } from "./fs_names.ts";
import { assertMarker } from "./folder_marker.ts";
import { placeEntry, type PlaceOptions } from "./place_entry.ts";
import { baseName, checkRelativePath, parentOf } from "./paths.ts";
import { ensureRealParents } from "./safe_paths.ts";
import { setTempMode } from "./temp_mode.ts";
import { MycelError } from "../errors.ts";

/** Bytes written between background flushes ({@link PartialFile.writeAt}). */
export const FLUSH_BYTES = 32 << 20;
/** A new temporary file up to this size gets its size synchronously ({@link PartialFile.open}). */
const SYNC_SIZE_BYTES = 256 << 10;

/** How to finish. */
export interface FinishOptions {
  readonly expected: ExpectedEntry;
  readonly mtimeMs: number;
  readonly exec: boolean;
  /**
   * False on a file system without permission bits (FAT, exFAT:
   * fs_modes.ts): no chmod, which FAT refuses and exFAT ignores.
   */
  readonly modes?: boolean;
  readonly keepReplaced?: boolean;
  readonly now?: () => number;
  /**
   * fsync the folder after the rename (default true). A caller that syncs
   * each touched folder itself before recording the result may batch it.
   */
  readonly syncDir?: boolean;
  /**
   * On `changed_locally` leave the complete temporary file where it is
   * (default: delete it): the caller keeps it as a transfer, so the next
   * round, whose scan publishes the local change, need not fetch it again.
   */
  readonly keepChanged?: boolean;
  /** Test seam only (place_entry.ts): runs between the final check and the replace. */
  readonly beforeReplace?: PlaceOptions["beforeReplace"];
}

/** An open temporary file for one target. */
export class PartialFile {
  /** Name of the temporary file (in the target's folder). */
  readonly temp: string;

  /** The real folder the file lands in. */
  get dir(): string {
    return this.#dir;
  }
  /** The real path of the folder's root, as open() found it. */
  get realRoot(): string {
    return this.#root;
  }
  readonly #root: string;
  readonly #rel: string;
  readonly #dir: string;
  /** The size the file is made with and must have when it finishes. */
  readonly #size: number;
  #file: Deno.FsFile | undefined;
  /** The writes in flight, one after another: a write is a seek and a write on one cursor. */
  #writes: Promise<unknown> = Promise.resolve();
  /** Bytes written since the last background flush started. */
  #unflushed = 0;
  /** The background flush under way, if any (see {@link PartialFile.writeAt}). */
  #flushing: Promise<void> | undefined;
  /** What a background flush failed with: the next sync throws it (the kernel says it once). */
  #flushError: unknown;

  private constructor(
    root: string,
    rel: string,
    dir: string,
    size: number,
    temp: string,
    file: Deno.FsFile,
  ) {
    this.#root = root;
    this.#rel = rel;
    this.#dir = dir;
    this.#size = size;
    this.temp = temp;
    this.#file = file;
  }

  /**
   * Open the temporary file `temp` for `relPath` again (a resumed transfer),
   * or a new one when `temp` is undefined or gone. `resumed` says which.
   * With `makeParents` false a missing parent folder is not made: the open
   * fails instead (a file opened ahead of its data, which may never come,
   * would leave the folder behind, empty; folders are not synced).
   * `realRoot`: the real path of `root` as an earlier open of this apply
   * found it ({@link realRoot}), not looked up again — one look per
   * component of the path, a dozen for each of thousands of small files. A
   * root moved meanwhile is still refused: the parents below it are checked
   * here, and the whole path again right before the rename (place_entry.ts).
   * `createMode`: the mode a new file is made with (less the umask): 0600
   * unless the caller knows the mode it ends with (a new path), so that
   * {@link PartialFile.finish} changes none.
   * @throws MycelError `bad_path`, `folder_stopped`, `unsafe_path`, `name_refused`
   */
  static async open(
    root: string,
    relPath: string,
    size: number,
    temp?: string,
    makeParents = true,
    realRoot?: string,
    createMode = 0o600,
  ): Promise<{ file: PartialFile; resumed: boolean }> {
    checkRelativePath(relPath);
    assertMarker(root, "fetch file");
    // Synchronous metadata calls (see disk_state.ts `onDisk`): each costs less
    // than a thread-pool round trip.
    realRoot ??= Deno.realPathSync(root);
    const parent = parentOf(relPath);
    ensureRealParents(realRoot, parent, makeParents);
    const dir = join(realRoot, parent);
    if (temp !== undefined && isTempName(temp) && !temp.includes("/")) {
      try {
        const info = Deno.lstatSync(join(dir, temp));
        if (info.isFile && info.size === size && (info.nlink ?? 1) === 1) {
          // Not through a link nor waiting on a FIFO swapped in after the
          // look (the folder's owner racing a root-run round, say), and only
          // the inode looked at is written into.
          await loadOpenNoFollow();
          const file = openNoFollowSync(join(dir, temp), { write: true });
          if (file === undefined) throw new Deno.errors.NotFound("not a file any more");
          const opened = file.statSync();
          if (opened.ino === info.ino && opened.dev === info.dev && (opened.nlink ?? 1) === 1) {
            return {
              file: new PartialFile(realRoot, relPath, dir, size, temp, file),
              resumed: true,
            };
          }
          file.close();
        }
      } catch {
        // gone (a stale-temp sweep, a crash before it was made): start again
      }
    }
    const name = tempNameFor(baseName(relPath));
    let file: Deno.FsFile;
    try {
      // Made off this thread, unlike the calls above: creating an inode can
      // cost ext4 a search of its bitmaps (0.1–0.2 ms a file here after many
      // deletions), the largest single cost of a fetch of many small files,
      // and a caller that opens files ahead of their chunks
      // (folder_apply_temps.ts) lets it run beside the fetch.
      file = await Deno.open(join(dir, name), {
        read: true,
        write: true,
        createNew: true,
        mode: createMode,
      });
    } catch (e) {
      throw nameRefused(relPath, e, dir) ?? e; // FAT's forbidden characters: say so
    }
    try {
      // FAT and exFAT allocate here: a full disk fails now. A small file's
      // size is set on this thread: the call costs less than the thread-pool
      // round trip (and the descriptor copy) an asynchronous one adds to each
      // of thousands of files; a large one may make FAT write zeros.
      if (size <= SYNC_SIZE_BYTES) file.truncateSync(size);
      else await file.truncate(size);
    } catch (e) {
      file.close();
      removeQuietly(join(dir, name));
      throw e;
    }
    return { file: new PartialFile(realRoot, relPath, dir, size, name, file), resumed: false };
  }

  /**
   * Write `bytes` at `offset`. Calls may overlap (chunks from several peers
   * arrive at once): each waits for the ones before it, so no write lands
   * at another's offset. A write past the file's size is refused: the file
   * would grow past its version's size, and be placed so.
   * @throws MycelError `write_past_size`
   */
  writeAt(offset: number, bytes: Uint8Array): Promise<void> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + bytes.length > this.#size) {
      return Promise.reject(
        new MycelError(
          "write_past_size",
          "write file",
          `${bytes.length} bytes at offset ${offset} would end past its size, ${this.#size}`,
          { value: this.#rel },
        ),
      );
    }
    // Written synchronously: the caller waits for the write anyway, and a
    // chunk into the page cache costs less than the thread-pool round trip.
    const run = this.#writes.then(() => {
      const f = this.#file!;
      f.seekSync(offset, Deno.SeekMode.Start);
      for (let at = 0; at < bytes.length;) at += f.writeSync(bytes.subarray(at));
      this.#unflushed += bytes.length;
      if (this.#unflushed >= FLUSH_BYTES && this.#flushing === undefined) this.#flush(f);
    });
    this.#writes = run.catch(() => {});
    return run;
  }

  /**
   * Read back `length` bytes at `offset` (every write started before this
   * call included): a file kept from an earlier round is checked before it
   * is used (kept_transfer_check.ts). Undefined past the file's end.
   */
  async readAt(offset: number, length: number): Promise<Uint8Array | undefined> {
    await this.#writes;
    return readExactAt(this.#file!, offset, length);
  }

  /**
   * Start writing what is in the page cache to disk, not waited for. A large
   * file's one fsync at its end wrote all of it while nothing else ran (0.5
   * s for 512 MiB here, after a copy of 0.6 s): flushed as it is written,
   * the disk works beside the copy or the fetch. Not a resume point — the
   * caller records chunks only after {@link sync}.
   */
  #flush(f: Deno.FsFile): void {
    this.#unflushed = 0;
    this.#flushing = f.sync().catch((e) => {
      this.#flushError ??= e;
      // The kernel reports a write-back error once: a handle opened later on
      // this file would sync without it and record chunks that never reached
      // the disk. So the file goes; opened again it is "gone", and its chunks
      // are fetched again (folder_apply_temps.ts).
      removeQuietly(join(this.#dir, this.temp));
    }).finally(() => this.#flushing = undefined);
  }

  /** Wait for a background flush; throw what one failed with. */
  async #flushed(): Promise<void> {
    await this.#flushing;
    if (this.#flushError !== undefined) throw this.#flushError;
  }

  /**
   * Make what was written durable (every write started before this call
   * included). A file closed already is opened again by the name it was
   * made under, for the sync alone — not through open(), whose marker check
   * would leave what it holds unsynced when its folder stopped mid-round.
   */
  async sync(): Promise<void> {
    await this.#writes;
    await this.#flushed();
    if (this.#file !== undefined) return await this.#file.sync();
    const again = await Deno.open(join(this.#dir, this.temp), { write: true });
    try {
      await again.sync();
    } finally {
      again.close();
    }
  }

  /** Close without finishing (the temporary file stays for a later round). */
  close(): void {
    const f = this.#file;
    this.#file = undefined;
    // A background flush still uses the file: closed once it is done.
    if (this.#flushing !== undefined) this.#flushing.finally(() => f?.close());
    else f?.close();
  }

  /** Close and delete the temporary file. */
  async discard(): Promise<void> {
    this.close();
    await Deno.remove(join(this.#dir, this.temp)).catch(() => {});
  }

  /**
   * Rename the complete file into place (see the module comment). On
   * `changed_locally` nothing is written and the temporary file is deleted
   * (left, with `keepChanged`, unless the swap used it up); on
   * `folder_stopped` it is left as it is. A file that is not the size it
   * was opened with (changed from outside meanwhile) is not placed: it is
   * deleted, as after any failure here.
   * @throws MycelError `wrong_size`
   */
  async finish(o: FinishOptions): Promise<WriteResult> {
    const temp = join(this.#dir, this.temp);
    const target = join(this.#dir, baseName(this.#rel));
    let placed = false;
    let kept = false;
    try {
      await this.#writes; // every write started before finishing is in the file
      const f = this.#file!;
      // What is placed is what its version says, or nothing: a file of another
      // size would be recorded as holding that version (found by a review).
      const size = f.statSync().size;
      if (size !== this.#size) {
        throw new MycelError(
          "wrong_size",
          "place file",
          `it holds ${size} bytes, its version says ${this.#size}`,
          { value: this.#rel },
        );
      }
      // For a new path placeEntry's link refuses a taken name; no look needed here.
      const before = o.expected === null ? null : onDisk(target);
      if (!matchesExpected(before, o.expected)) {
        kept = o.keepChanged === true;
        return { status: "changed_locally", current: before };
      }
      const mode = before === null ? undefined : Deno.lstatSync(target).mode ?? undefined;
      // Through the file, not its name: a link swapped in is never followed (temp_mode.ts).
      if (o.modes !== false) await setTempMode(f, temp, modeFor(before, mode, o.exec));
      const mtime = new Date(o.mtimeMs);
      f.utimeSync(mtime, mtime);
      await this.#flushed();
      await f.sync();
      this.close();
      try {
        assertMarker(this.#root, "fetch file");
      } catch (e) {
        // Its folder stopped meanwhile (a disk pulled out): the file is
        // complete, and stays for the caller to keep until the folder is back.
        kept = true;
        throw e;
      }
      const r = await placeEntry(this.#root, this.#rel, temp, o);
      placed = r.status === "written";
      kept = r.status === "changed_locally" && o.keepChanged === true;
      return r;
    } finally {
      this.close();
      if (!placed && !kept) removeQuietly(temp);
    }
  }
}

function removeQuietly(abs: string): void {
  try {
    Deno.removeSync(abs);
  } catch {
    // already gone
  }
}
