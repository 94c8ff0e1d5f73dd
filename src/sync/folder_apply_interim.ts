/**
 * @module folder_apply_interim
 * Progress records published during a folder's file phase, not only after
 * the round (folder_progress.ts). A round fetching a large folder can last
 * an hour, and until it ends the other devices measured this one by its
 * report from before it: "behind by 1 file and 200 MiB" while 150 MiB of it
 * were here (issue 13). So while files come in, this device says what it
 * still lacks: at the first transfer recorded (a large file 16 MiB in), then
 * at most every {@link INTERIM_MS}, each in the same transaction as the
 * index rows or the transfer row it follows.
 *
 * The record is the one every release reads (file_ops.ts: no field added —
 * a record with a new field is refused by older releases, which would stop
 * syncing with this device): its "bytes still needed" counts only what is
 * missing. What a file in progress holds, durable and recorded (the chunks
 * its transfer row marks done: what a crash would resume from), is not
 * needed any more, so a device holding 16 MiB of a 64 MiB file is "behind
 * by 1 file and 48 MiB" on every device, whatever its release.
 */

import type { FolderProgress } from "../log/file_ops.ts";
import type { FileWrite } from "./folder_apply_types.ts";

/**
 * `bytes` as a progress record may say it: at most 2^53 - 1. Sizes are
 * whatever the versions say, and a member's versions may each claim up to
 * that (a manifest of 2^28 chunks at 2^52 bytes is one): three of them
 * summed past it, and the record's encoder threw, so every round of every
 * device sharing the folder exited 1 ("needBytes must be a count"; found by
 * a review). Past it, the device lacks more than any disk holds anyway.
 */
export function recordBytes(bytes: number): number {
  return Math.min(Math.max(0, bytes), Number.MAX_SAFE_INTEGER);
}

/** Least time between two progress records of one round's file phases (ms). */
export const INTERIM_MS = 30_000;

/** The file phase's account of what it still lacks, for an interim record. */
export class InterimProgress {
  // The files the phase writes that are not in place yet, by path: their size.
  readonly #left = new Map<string, number>();
  // Of those, the bytes their transfer row records as durable.
  readonly #held = new Map<string, number>();
  // What else the round still has to do (links, removals, refused files), and its bytes.
  #otherFiles = 0;
  #otherBytes = 0;
  #lastAt: number;
  #any = false;

  constructor(now: number) {
    this.#lastAt = now;
  }

  /**
   * A file phase writes these files; `others` is what else the round has
   * left undone meanwhile (files it can't write now, links and removals
   * that come after the phase).
   */
  start(writes: readonly FileWrite[], others: { files: number; bytes: number }): void {
    for (const a of writes) this.#left.set(a.path, a.version.size);
    this.#otherFiles = others.files;
    this.#otherBytes = others.bytes;
  }

  /** `path`'s transfer row now records `bytes` of it as held (written, durable). */
  held(path: string, bytes: number): void {
    if (this.#left.has(path)) this.#held.set(path, bytes);
  }

  /** `path` is in place (or given up for this round): nothing more to say of it. */
  finished(path: string): void {
    this.#left.delete(path);
    this.#held.delete(path);
  }

  /**
   * Whether a record is due at `now`: `first` (a transfer just recorded)
   * when none went out this round yet, else once {@link INTERIM_MS} passed
   * since the last (or since the round began).
   */
  due(now: number, first: boolean): boolean {
    if (this.#left.size === 0) return false;
    return (first && !this.#any) || now - this.#lastAt >= INTERIM_MS;
  }

  /** The record to publish now (its frontier and conflicts from the caller); marks it sent. */
  take(now: number, rest: Pick<FolderProgress, "conflicts" | "frontier">): FolderProgress {
    this.#any = true;
    this.#lastAt = now;
    let needBytes = this.#otherBytes;
    for (const [path, size] of this.#left) {
      needBytes += Math.max(0, size - (this.#held.get(path) ?? 0));
    }
    return {
      needFiles: this.#otherFiles + this.#left.size,
      needBytes: recordBytes(needBytes),
      conflicts: rest.conflicts,
      stopped: "",
      frontier: rest.frontier,
    };
  }
}
