/**
 * @module fetch_progress
 * The terminal's progress line while a folder's files come in: "docs:
 * 12/300 files, 40 MiB/1.2 GiB, 35 MiB/s, 34 s left".
 *
 * - At most one line every {@link REDRAW_MS}: the fetch reports each chunk,
 *   hundreds a second, and a terminal shows none of that but the cost (an
 *   audit counted about 700 redraws in a one-second fetch of 301 files).
 *   The last report of a fetch (every file in) is always drawn.
 * - No rate and no time left before {@link SETTLED_MS}: the first report,
 *   a few bytes in a few microseconds, said "56 B/s, 108000 s left".
 * - Time left in the largest unit that reads well: seconds below 100,
 *   then minutes, then hours.
 *
 * The clock is passed in (tests/sync/fetch_progress_test.ts).
 */

import { humanBytes } from "../human.ts";

/** What the fetch reports (folder_apply_types.ts `progress`). */
export interface FetchProgress {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
}

/** Shortest time between two drawn lines (ms). */
export const REDRAW_MS = 100;
/** Time before a rate means anything (ms). */
export const SETTLED_MS = 250;

/** "34 s", "12 min", "3.5 h". */
export function timeLeft(seconds: number): string {
  if (seconds < 100) return `${seconds} s`;
  if (seconds < 100 * 60) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * A `progress` callback for `folder`'s fetch that draws through `line`,
 * timing from the first call of `now` (ms).
 */
export function fetchProgress(
  folder: string,
  line: (text: string) => void,
  now: () => number,
): (p: FetchProgress) => void {
  const started = now();
  let drawn = -Infinity;
  return (p) => {
    const at = now();
    if (at - drawn < REDRAW_MS && p.files < p.totalFiles) return;
    drawn = at;
    const ms = at - started;
    let text = `${folder}: ${p.files}/${p.totalFiles} files, ${humanBytes(p.bytes)}/${
      humanBytes(p.totalBytes)
    }`;
    if (ms >= SETTLED_MS && p.bytes > 0) {
      const rate = p.bytes / (ms / 1000);
      const left = Math.ceil(Math.max(0, p.totalBytes - p.bytes) / rate);
      text += `, ${humanBytes(Math.round(rate))}/s, ${timeLeft(left)} left`;
    }
    line(text);
  };
}
