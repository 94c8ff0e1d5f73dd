/**
 * @module file_index
 * What a scan needs to know about the folder as last scanned on this
 * device: per path, the kind and the stat fields that say "unchanged"
 * (size, mtime, inode, ctime — as git and Syncthing use them). The store
 * implements {@link FileIndex} over its SQLite table; {@link MemoryFileIndex}
 * is the reference implementation (tests, tools). The scan only reads the
 * index; the caller applies a {@link ScanResult} to it in the same
 * transaction as the log entries it writes.
 */

import type { ScannedFile, ScannedSymlink, ScanResult } from "./scan_types.ts";

/** A path as this device last saw it on disk. */
export interface IndexedEntry {
  /** Folder-relative path. */
  readonly path: string;
  /**
   * What it was: a folder has a row only once it was published or placed
   * as one (docs/folders.md "Empty folders"; its stat fields are 0).
   */
  readonly kind: "file" | "symlink" | "dir";
  /** Size in bytes (symlinks: the target's byte length, as lstat reports). */
  readonly size: number;
  /** Modification time, ms. */
  readonly mtimeMs: number;
  /** Inode number (0 when the platform gives none). */
  readonly ino: number;
  /** Status-change time, ms (0 when the platform gives none). */
  readonly ctimeMs: number;
  /** Execute bit (files). */
  readonly exec: boolean;
  /**
   * The stat was taken too soon after the file's change to show a later one
   * (scan_file.ts `racyStat`): the next scan reads the file whatever its stat.
   */
  readonly racy?: boolean;
}

/** The index entry a scanned path leaves: its stat, as the scan saw it. */
export function indexedEntryOf(c: ScannedFile | ScannedSymlink): IndexedEntry {
  return {
    path: c.path,
    kind: c.kind,
    size: c.size,
    mtimeMs: c.mtimeMs,
    ino: c.ino,
    ctimeMs: c.ctimeMs,
    exec: c.kind === "file" ? c.exec : false,
    racy: c.racy === true,
  };
}

/** Read access to the index of one folder. */
export interface FileIndex {
  /** The entry for `path`, or undefined when the index has none (or a deletion). */
  get(path: string): IndexedEntry | undefined;
  /** Every path with an entry (present files and symlinks, not deletions). */
  paths(): Iterable<string>;
  /** How many paths {@link paths} yields. */
  readonly size: number;
}

/** The in-memory index. */
export class MemoryFileIndex implements FileIndex {
  readonly #entries = new Map<string, IndexedEntry>();

  get(path: string): IndexedEntry | undefined {
    return this.#entries.get(path);
  }

  paths(): Iterable<string> {
    return this.#entries.keys();
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Record `entry` (replacing any entry of its path). */
  set(entry: IndexedEntry): void {
    this.#entries.set(entry.path, entry);
  }

  /** Forget `path`. */
  delete(path: string): void {
    this.#entries.delete(path);
  }

  /** Apply a scan: changed paths take their new stat, deleted ones go. */
  apply(result: ScanResult): void {
    for (const c of result.changed) this.set(indexedEntryOf(c));
    for (const p of result.deleted) this.delete(p);
    for (const r of result.renumbered) {
      const e = this.get(r.path);
      if (e !== undefined) this.set({ ...e, ino: r.ino });
    }
  }
}
