/**
 * @module gitignore_packed
 * Where the spanning patterns of a rule set (gitignore_scan.ts) stand after
 * a folder's path, kept by gitignore_set.ts so that what is in the folder
 * costs its own name, not the folder's whole path again.
 */

/**
 * Where patterns stand after a folder's path, in one array of small
 * integers (one allocation a folder, however many patterns), listing only
 * the patterns with something under way: for each, its number in the set,
 * then `-1` once everything below matches (an "open" end reached), else the
 * number of its states and those states. A pattern not listed is where it
 * starts: nothing left to try for one anchored at the root, about to start
 * again for one that floats. Most patterns are, most of the time; one typed
 * array for each pattern and folder took 1.1 GiB (RSS) for 4,096 folders
 * and 1,365 patterns.
 */
export type Packed = readonly number[];

/** A {@link Packed} being written: reused, so packing allocates only the result. */
export class PackWriter {
  readonly #buf: number[] = [];
  #n = 0;
  push(v: number): void {
    this.#buf[this.#n++] = v;
  }
  /** What was written since the last take, as a new array. */
  take(): Packed {
    const out = this.#buf.slice(0, this.#n);
    this.#n = 0;
    return out;
  }
}

/** Where the entry whose count (or `-1`) is at `off` of `from` ends. */
export function packedEnd(from: Packed, off: number): number {
  return off + 1 + Math.max(0, from[off]);
}
