/**
 * @module folder_apply_record
 * What applying a folder did, recorded in the home: index rows, chunk
 * places, resumable transfers and the versions the plan publishes (copies,
 * merges). Each phase of folder_apply.ts notes what it did here; notes are
 * written in batches of short transactions, never held across the network,
 * and a row of a file renamed into a folder is written only after that
 * folder was synced. Apart because every phase records, and the order of
 * those writes is what a crash leaves behind.
 */

import type { ChunkRef } from "../files/chunk_hash.ts";
import type { FileVersion } from "../files/file_version.ts";
import { syncDir } from "../files/safe_paths.ts";
import type { Op } from "../log/ops.ts";
import type { Home } from "../storage/home_handle.ts";
import type { IndexRow } from "../storage/sql_folder_local.ts";
import { commitSplit } from "./folder_scan_split.ts";
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
  | { kind: "publish"; version: FileVersion };

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

  /** `rows`: the folder's index as loaded before applying. */
  constructor(home: Home, id: string, rows: ReadonlyMap<string, IndexRow>, report: ApplyReport) {
    this.#home = home;
    this.#id = id;
    this.#rows = rows;
    this.#report = report;
  }

  /** Notes not written yet. */
  get pending(): number {
    return this.#queue.length;
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

  /** Write the notes so far in one transaction (after syncing the folders renamed into). */
  async flush(): Promise<void> {
    if (this.#queue.length === 0) return;
    const id = this.#id;
    const batch = this.#queue;
    this.#queue = [];
    const synced = [...this.#dirs];
    this.#dirs = new Set();
    await Promise.all(synced.map(syncDir));
    const ops: [Op, number][] = [];
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
        } else {
          ops.push([{ type: "file.version", folder: id, version: d.version }, 512]);
        }
      }
      await commitSplit(w, ops);
    });
    this.#report.published += ops.length;
  }
}
