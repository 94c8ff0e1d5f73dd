import assert from "node:assert/strict";
import { fetchProgress, REDRAW_MS, SETTLED_MS, timeLeft } from "../../src/sync/fetch_progress.ts";

const MiB = 1 << 20;

function drawn(reports: [number, { files: number; bytes: number }][], total = 300 * MiB) {
  let t = 1_000;
  const clock = () => t;
  const lines: string[] = [];
  const report = fetchProgress("docs", (l) => lines.push(l), clock);
  for (const [at, p] of reports) {
    t = 1_000 + at;
    report({ files: p.files, totalFiles: 10, bytes: p.bytes, totalBytes: total });
  }
  return lines;
}

Deno.test("the first progress line has no rate or time left: a few bytes in no time said 108000 s", () => {
  assert.deepEqual(drawn([[0, { files: 0, bytes: 2 }]]), ["docs: 0/10 files, 2 B/300 MiB"]);
  const later = drawn([[SETTLED_MS, { files: 1, bytes: 30 * MiB }]]);
  assert.deepEqual(later, ["docs: 1/10 files, 30 MiB/300 MiB, 120 MiB/s, 3 s left"]);
});

Deno.test("progress is drawn at most once a redraw interval, and always when the last file is in", () => {
  const reports: [number, { files: number; bytes: number }][] = [];
  for (let ms = 0; ms < 1_000; ms++) reports.push([ms, { files: 1, bytes: ms * 1024 }]);
  reports.push([1_000, { files: 10, bytes: 300 * MiB }]);
  const lines = drawn(reports);
  assert.equal(lines.length, 1_000 / REDRAW_MS + 1, lines.join("\n"));
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
