/**
 * @module scan_stop
 * How a scan notices Ctrl-C (the command's AbortSignal). Most of a scan is
 * synchronous (listing, lstat, reading files up to 1 MiB: scan.ts says
 * why), and a signal listener runs only when the thread turns to its event
 * loop: a walk of 20,000 small files would not even hear the signal before
 * its end. So the walk calls {@link ScanStop.check} at each folder and
 * file, which gives the event loop a turn every {@link TURN_MS} of work and
 * throws once the signal fired; a large file's asynchronous reads check
 * between reads (scan_file.ts). Nothing is written by a scan before it
 * ends, so stopping anywhere leaves nothing half done. The same calls count
 * the bytes read and, every {@link PROGRESS_MS}, let the scan say how far it
 * is (a terminal's progress line): a scan of a large folder said only
 * "scanning docs…" for minutes, which read as a hang.
 */

import { interruptedError, type MycelError } from "../errors.ts";

/** Work between two turns of the event loop at most (ms): a stop within about this. */
export const TURN_MS = 25;

/** How often a scan says how far it is, at most (ms). */
export const PROGRESS_MS = 200;

/** The error a scan of the folder at `root` stops with. */
export function scanInterrupted(root: string): MycelError {
  return interruptedError("scan folder", {
    value: root,
    hint: "Nothing of this scan was recorded: the next scan (`mycel folder scan`, or " +
      "`mycel sync now`) starts it again.",
  });
}

/** Checks for Ctrl-C during one scan (see the module comment). */
export class ScanStop {
  readonly #signal: AbortSignal | undefined;
  readonly #root: string;
  readonly #progress: (() => void) | undefined;
  #turned = Date.now();
  #shown = Date.now();
  /** Bytes of files read so far by this scan. */
  bytesRead = 0;

  constructor(root: string, signal: AbortSignal | undefined, progress?: () => void) {
    this.#root = root;
    this.#signal = signal;
    this.#progress = progress;
  }

  /** Throw when the signal fired (no turn of the event loop: for asynchronous work). */
  now(): void {
    this.#tick();
    if (this.#signal?.aborted) throw scanInterrupted(this.#root);
  }

  /** `n` more bytes of a file read; then as {@link now}. */
  read(n: number): void {
    this.bytesRead += n;
    this.now();
  }

  #tick(): void {
    if (this.#progress === undefined || Date.now() - this.#shown < PROGRESS_MS) return;
    this.#shown = Date.now();
    this.#progress();
  }

  /**
   * Give the event loop a turn when due, then throw when the signal fired.
   * Undefined (nothing to wait for) when no turn is due: a walk calls this
   * for every entry. Callers: `await stop.check()`.
   */
  check(): Promise<void> | undefined {
    if (this.#signal === undefined) {
      this.#tick();
      return undefined;
    }
    this.now();
    if (Date.now() - this.#turned < TURN_MS) return undefined;
    return this.#turn();
  }

  async #turn(): Promise<void> {
    // A turn of the event loop that polls its pending operations, the
    // signal's among them: a resolved promise never gets there, nor (seen
    // here) does setImmediate, which let a signal wait 100-700 ms; a timer
    // does, but waits about 2 ms, 5 % of a re-scan of 20,000 unchanged files
    // at this rate. An asynchronous lstat of the folder takes about 25 µs and
    // the listener runs within a few ms.
    await Deno.lstat(this.#root).catch(() => {});
    this.#turned = Date.now();
    this.now();
  }
}
