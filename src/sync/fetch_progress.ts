/**
 * @module fetch_progress
 * The terminal's progress line while a folder's files come in: "folder docs:
 * 12/300 files, 40 MiB/1.2 GiB, 35 MiB/s, 34 s left" (the round's lines
 * after it begin "folder docs: " too: folder_round.ts gives the prefix).
 *
 * - At most one line every {@link REDRAW_MS}: the fetch reports each chunk,
 *   hundreds a second, and a terminal shows none of that but the cost (an
 *   audit counted about 700 redraws in a one-second fetch of 301 files).
 *   The last report of a fetch (every file in) is drawn at once, and one
 *   held back is drawn when the interval ends.
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

/** The fetch's progress line: `report` each progress; `stop` once the fetch is over. */
export interface ProgressLine {
  report(p: FetchProgress): void;
  /** No drawing after this (a report held back is dropped: the caller erases the line). */
  stop(): void;
}

/** Run `fn` in `ms`; returns how to cancel it. */
export type Later = (fn: () => void, ms: number) => () => void;

const timer: Later = (fn, ms) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};

/**
 * The progress line of `folder`'s fetch, drawn through `line`, timing from
 * the first call of `now` (ms). A report held back by the redraw interval
 * is drawn when the interval ends (`later`) unless another came meanwhile:
 * the last state is always shown, also when the fetch then waits (a file
 * failed, so "every file in" never comes, and the peers' deadlines run).
 */
export function fetchProgress(
  folder: string,
  line: (text: string) => void,
  now: () => number,
  later: Later = timer,
): ProgressLine {
  const started = now();
  let drawn = -Infinity;
  let held: FetchProgress | undefined;
  let cancel: (() => void) | undefined;
  const draw = (p: FetchProgress) => {
    const at = now();
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
  const flush = () => {
    cancel = undefined;
    const p = held;
    held = undefined;
    if (p !== undefined) draw(p);
  };
  return {
    report(p) {
      const since = now() - drawn;
      if (since < REDRAW_MS && p.files < p.totalFiles) {
        held = p;
        cancel ??= later(flush, REDRAW_MS - since);
        return;
      }
      held = undefined;
      cancel?.();
      cancel = undefined;
      draw(p);
    },
    stop() {
      held = undefined;
      cancel?.();
      cancel = undefined;
    },
  };
}
