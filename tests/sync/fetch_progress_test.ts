import assert from "node:assert/strict";
import { fetchProgress, REDRAW_MS, SETTLED_MS, timeLeft } from "../../src/sync/fetch_progress.ts";

const MiB = 1 << 20;

/** Lines drawn for `reports` ([ms, progress]); timers run when the clock passes them. */
function drawn(reports: [number, { files: number; bytes: number }][], total = 300 * MiB) {
  let t = 1_000;
  const timers: { at: number; fn: () => void; live: boolean }[] = [];
  const advance = (to: number) => {
    for (const x of timers.filter((x) => x.live && x.at <= to).sort((a, b) => a.at - b.at)) {
      x.live = false;
      t = x.at;
      x.fn();
    }
    t = to;
  };
  const lines: string[] = [];
  const progress = fetchProgress("docs", (l) => lines.push(l), () => t, (fn, ms) => {
    const x = { at: t + ms, fn, live: true };
    timers.push(x);
    return () => x.live = false;
  });
  for (const [at, p] of reports) {
    advance(1_000 + at);
    progress.report({ files: p.files, totalFiles: 10, bytes: p.bytes, totalBytes: total });
  }
  return { lines, advance: (ms: number) => advance(t + ms), stop: () => progress.stop() };
}

Deno.test("the first progress line has no rate or time left: a few bytes in no time said 108000 s", () => {
  assert.deepEqual(drawn([[0, { files: 0, bytes: 2 }]]).lines, ["docs: 0/10 files, 2 B/300 MiB"]);
  const later = drawn([[SETTLED_MS, { files: 1, bytes: 30 * MiB }]]).lines;
  assert.deepEqual(later, ["docs: 1/10 files, 30 MiB/300 MiB, 120 MiB/s, 3 s left"]);
});

Deno.test("progress is drawn at most once a redraw interval, and always when the last file is in", () => {
  const reports: [number, { files: number; bytes: number }][] = [];
  for (let ms = 0; ms < 1_000; ms++) reports.push([ms, { files: 1, bytes: ms * 1024 }]);
  reports.push([1_000, { files: 10, bytes: 300 * MiB }]);
  const { lines } = drawn(reports);
  // One a redraw interval (the first at once, the others as each interval ends), then the last.
  assert.equal(lines.length, 1_000 / REDRAW_MS + 2, lines.join("\n"));
  assert.match(lines.at(-1)!, /^docs: 10\/10 files, 300 MiB\/300 MiB, .*, 0 s left$/);
});

Deno.test("time left reads in seconds, minutes or hours", () => {
  assert.deepEqual([timeLeft(0), timeLeft(99), timeLeft(100), timeLeft(5_999), timeLeft(6_000)], [
    "0 s",
    "99 s",
    "2 min",
    "100 min",
    "1.7 h",
  ]);
});

Deno.test("a report held back by the redraw interval is drawn when it ends: the last state stays on screen", () => {
  // The tenth file failed: "every file in" never comes, and the fetch then waits on its peers.
  const d = drawn([[0, { files: 0, bytes: 0 }], [50, { files: 9, bytes: 900 }]], 1_000);
  assert.deepEqual(d.lines, ["docs: 0/10 files, 0 B/1000 B"]);
  d.advance(REDRAW_MS);
  assert.deepEqual(d.lines, ["docs: 0/10 files, 0 B/1000 B", "docs: 9/10 files, 900 B/1000 B"]);
  // Stopped with a report held back: nothing drawn after the caller erased the line.
  const e = drawn([[0, { files: 0, bytes: 0 }], [50, { files: 9, bytes: 900 }]], 1_000);
  e.stop();
  e.advance(REDRAW_MS);
  assert.deepEqual(e.lines, ["docs: 0/10 files, 0 B/1000 B"]);
});
