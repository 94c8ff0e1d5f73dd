/**
 * @module move_between_folders_cost_test
 * Finding moves between folders (src/sync/folder_scan_moves.ts) tests every
 * deleted file against every file of its size found in another folder: with
 * thousands of files of one size (records, segments, thumbnails) on both
 * sides that is millions of pairs, and each pair must cost no system call
 * (src/sync/folder_scan_recut.ts looks at each found file once). Before,
 * each pair cost an lstat: 2,000 deleted by 2,000 new files took 25 s where
 * the same scan without the deletions took 1 s. Compared with that scan in
 * the same test, so that the machine's load counts on both sides.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type TempHome, tempHome } from "../helpers/mycel.ts";

const N = 2000;

/** `n` files of one size in `dir`, named `prefix…`, each holding other bytes. */
async function records(dir: string, prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(6, "0");
    await Deno.writeTextFile(
      join(dir, `${prefix}${id}.bin`),
      `${prefix} ${id} ${"x".repeat(4000)}`,
    );
  }
}

/**
 * A home with docs (N records) and more, both added; docs' records deleted
 * when `deleted`; then N other records of the same size in more. The time
 * of the `folder scan` that sees it, in ms.
 */
async function scanTime(h: TempHome, deleted: boolean): Promise<number> {
  await h.ok(["init", "--name", "laptop"]);
  const docs = h.path("docs"), more = h.path("more");
  await Deno.mkdir(docs);
  await Deno.mkdir(more);
  await records(docs, "r", N);
  await Deno.writeTextFile(join(more, "keep.txt"), "keep\n");
  await h.ok(["--no-sync", "folder", "add", docs, "--id", "docs"]);
  await h.ok(["--no-sync", "folder", "add", more, "--id", "more"]);
  if (deleted) {
    for (let i = 0; i < N; i++) {
      await Deno.remove(join(docs, `r${String(i).padStart(6, "0")}.bin`));
    }
  }
  await records(more, "o", N);
  const t0 = performance.now();
  const r = await h.ok(["--no-sync", "folder", "scan"]);
  const ms = performance.now() - t0;
  if (deleted) assert.match(r.stderr, new RegExp(`docs: ${N} of ${N} files are gone on disk`));
  return ms;
}

Deno.test("a mass deletion beside thousands of new files of its files' size in another folder costs about a scan", async () => {
  await using plain = await tempHome("mycel-cost-plain-");
  await using lost = await tempHome("mycel-cost-lost-");
  const base = await scanTime(plain, false);
  const withLoss = await scanTime(lost, true);
  assert.ok(
    withLoss < 4 * base + 5_000, // 28.5 s against 0.8 s before; room for a loaded machine
    `the scan with ${N} deletions to test took ${Math.round(withLoss)} ms, ` +
      `the same scan without them ${Math.round(base)} ms`,
  );
});
