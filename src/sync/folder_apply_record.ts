/**
 * @module folder_apply_record
 * What applying a folder did, recorded in the home: index rows, chunk
 * places, resumable transfers and the versions the plan publishes (copies,
 * merges). Each phase of folder_apply.ts notes what it did here; notes are
 * written in batches of short transactions, never held across the network,
 * and a row of a file renamed into a folder is written only after that
 * folder was synced. A batch the home refuses (its disk full, another
 * command holding it past the busy timeout) is kept, not dropped, and tried
 * again with the next batch or at the end; failing at the end fails the
 * apply as the home's failure, never as a problem of the file at hand.
 * Apart because every phase records, and the order of those writes is what
 * a crash leaves behind.
 */

import { isMycelError, MycelError } from "../errors.ts";
import type { ChunkRef } from "../log/chunk_list.ts";
import type { FileVersion } from "../log/file_version.ts";
import { syncDir } from "../files/safe_paths.ts";
import type { FolderProgress } from "../log/file_ops.ts";
import type { Op } from "../log/ops.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow } from "../storage/sql_folder_local.ts";
import { commitSplit } from "./folder_scan_split.ts";
import { progressText } from "./folder_progress.ts";
import type { ApplyReport } from "./folder_apply_types.ts";

/** One thing applying did, to record. */
export type Done =
  | {
    kind: "row";
    row: IndexRow;
    chunks?: readonly ChunkRef[];
    publish?: FileVersion;
    dropTransfer?: boolean;
  }
  | { kind: "gone"; path: string }
  | { kind: "transfer"; path: string; version: string; temp: string; done: Uint8Array }
  /** Drop `path`'s transfer if it still names `temp` (taken over, or its version gone). */
  | { kind: "untransfer"; path: string; temp: string }
  | { kind: "publish"; version: FileVersion }
  /** An interim progress record (folder_apply_interim.ts): published with the notes before it. */
  | { kind: "progress"; progress: FolderProgress };

/** Notes written together mid-apply. */
const BATCH = 500;

/** The notes of one folder's apply, and what its index holds after them. */
export class ApplyRecord {
  readonly #home: Home;
  readonly #id: string;
  readonly #rows: ReadonlyMap<string, IndexRow>;
  readonly #report: ApplyReport;
  #queue: Done[] = [];
  readonly #rowsNow = new Map<string, IndexRow | null>();
  // Folders renamed into since the last flush: synced once each before their rows are recorded.
  #dirs = new Set<string>();
  // One write at a time: a batch that fails goes back before what was noted
  // meanwhile, so a path's notes are still written in the order they came.
  #writing: Promise<unknown> | undefined;
  // After a failed write, mid-apply writes wait until this many notes are
  // kept (another full batch): a lasting failure (a full disk, a 60 s busy
  // wait) is tried once per batch, not once per file finished.
  #retryAt: number | undefined;

  /** `rows`: the folder's index as loaded before applying. */
  constructor(home: Home, id: string, rows: ReadonlyMap<string, IndexRow>, report: ApplyReport) {
    this.#home = home;
    this.#id = id;
    this.#rows = rows;
    this.#report = report;
  }

  /** Note `d` (written at the next flush). */
  note(d: Done): void {
    this.#queue.push(d);
    if (d.kind === "row") this.#rowsNow.set(d.row.path, d.row);
    if (d.kind === "gone") this.#rowsNow.set(d.path, null);
  }

  /** A file was renamed into `dir`: synced before the next rows are written. */
  renamedInto(dir: string): void {
    this.#dirs.add(dir);
  }

  /** The index row of `path` after what was noted (null: noted gone). */
  rowAfter(path: string): IndexRow | null | undefined {
    return this.#rowsNow.has(path) ? this.#rowsNow.get(path)! : this.#rows.get(path);
  }

  /**
   * Mid-apply: write the notes so far when a batch is due — {@link BATCH} of
   * them, or any with `soon` (a transfer's progress). Never throws: what
   * could not be written stays noted for the next batch or {@link flush}.
   */
  async checkpoint(soon = false): Promise<void> {
    if (this.#writing !== undefined) return; // what is noted meanwhile goes with the next
    const due = this.#retryAt ?? (soon ? 1 : BATCH);
    if (this.#queue.length < due) return;
    try {
      await this.#write();
    } catch {
      // kept (#write): the file at hand arrived; the home's failure is not its problem
    }
  }

  /** At the end: write every note; a failure fails the apply, as the home's. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing.catch(() => {});
    if (this.#queue.length === 0) return;
    try {
      await this.#write();
    } catch (e) {
      const m = isMycelError(e) ? e : undefined;
      throw new MycelError(
        m?.code ?? "storage_error",
        `record the files synced into folder ${this.#id}`,
        m?.reason ?? (e instanceof Error ? e.message : String(e)),
        { value: m?.value, hint: m?.hint, cause: e },
      );
    }
  }

  /** Write the notes so far in one transaction (after syncing the folders renamed into). */
  async #write(): Promise<void> {
    const batch = this.#queue;
    const dirs = this.#dirs;
    this.#queue = [];
    this.#dirs = new Set();
    const run = this.#transaction(batch, dirs);
    this.#writing = run;
    try {
      this.#report.published += await run;
      this.#retryAt = undefined;
    } catch (e) {
      this.#queue = batch.concat(this.#queue);
      this.#dirs = new Set([...dirs, ...this.#dirs]);
      this.#retryAt = this.#queue.length + BATCH;
      throw e;
    } finally {
      this.#writing = undefined;
    }
  }

  /** Write `batch`; returns how many file versions it published. */
  async #transaction(batch: readonly Done[], dirs: ReadonlySet<string>): Promise<number> {
    const id = this.#id;
    await Promise.all([...dirs].map(syncDir));
    const ops: [Op, number][] = [];
    let progress = 0;
    // Keys read before the transaction when it publishes (home_handle.ts `signs`).
    const signs = batch.some((d) =>
      d.kind === "progress" || d.kind === "publish" || (d.kind === "row" && d.publish)
    );
    await this.#home.write(async (w) => {
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
        } else if (d.kind === "untransfer") {
          if (f.transfer(id, d.path)?.temp === d.temp) f.dropTransfer(id, d.path);
        } else if (d.kind === "progress") {
          const size = 256 + 48 * d.progress.frontier.length; // a key and a seq per author
          ops.push([{ type: "folder.progress", folder: id, progress: d.progress }, size]);
          progress++;
          // What the round's own record is compared with: it goes out even when it
          // says what the record before the round said (else others kept this one).
          const info = f.folder(id)?.info;
          if (info !== undefined) f.setInfo(id, { ...info, published: progressText(d.progress) });
        } else {
          ops.push([{ type: "file.version", folder: id, version: d.version }, 512]);
        }
      }
      await commitSplit(w, ops);
    }, { signs });
    return ops.length - progress;
  }
}
