/**
 * The interim progress records of a long file phase
 * (src/sync/folder_apply_interim.ts): the first goes out with the first
 * transfer recorded, the next only 30 s after the one before; each says the
 * files not done yet and the bytes they still lack — what their transfer
 * rows hold, durable, left out — in the record's five fields, which every
 * release decodes (no field added).
 */

import assert from "node:assert/strict";
import { decodeOp, encodeOp } from "../../src/log/ops.ts";
import { INTERIM_MS, InterimProgress } from "../../src/sync/folder_apply_interim.ts";
import type { FileWrite } from "../../src/sync/folder_apply_types.ts";

const MiB = 1 << 20;
const write = (path: string, size: number) => ({ path, version: { size } }) as unknown as FileWrite;
const rest = { conflicts: 0, frontier: [] };
const none = { files: 0, bytes: 0 };

Deno.test("interim progress: first with the first recorded transfer, then at most every 30 s, counting only the bytes still missing", () => {
  const p = new InterimProgress(1000);
  assert.equal(p.due(1000, true), false, "nothing to write: nothing to say");
  p.start([write("big.bin", 200 * MiB), write("small.txt", 10)], { files: 2, bytes: 5 });
  assert.equal(p.due(1001, false), false, "a file finished before any transfer: not yet");
  p.held("big.bin", 16 * MiB);
  p.held("not-in-this-phase", 5 * MiB);
  assert.equal(p.due(1002, true), true, "the first transfer recorded");
  const first = p.take(1002, rest);
  assert.deepEqual(first, {
    needFiles: 4,
    needBytes: 200 * MiB + 10 - 16 * MiB + 5,
    conflicts: 0,
    stopped: "",
    frontier: [],
  });
  // The codec every release has: the record round-trips with its five fields.
  const wire = encodeOp({ type: "folder.progress", folder: "docs", progress: first });
  assert.equal(wire.length, 7);
  assert.deepEqual(decodeOp(wire), { type: "folder.progress", folder: "docs", progress: first });
  p.held("big.bin", 150 * MiB);
  assert.equal(p.due(1003, true), false, "the next transfer: not before 30 s");
  assert.equal(p.due(1002 + INTERIM_MS - 1, false), false);
  assert.equal(p.due(1002 + INTERIM_MS, false), true);
  p.finished("small.txt");
  assert.deepEqual(
    p.take(1002 + INTERIM_MS, rest),
    { needFiles: 3, needBytes: 50 * MiB + 5, conflicts: 0, stopped: "", frontier: [] },
  );
  p.finished("big.bin");
  assert.equal(
    p.due(1002 + 3 * INTERIM_MS, false),
    false,
    "every file of the phase in place: the round's record says the rest",
  );
});

Deno.test("interim progress: a phase of small files says what is left every 30 s", () => {
  const p = new InterimProgress(0);
  p.start([write("a", 1), write("b", 2)], none);
  p.finished("a");
  assert.equal(p.due(INTERIM_MS - 1, false), false);
  assert.equal(p.due(INTERIM_MS, false), true);
  const r = p.take(INTERIM_MS, rest);
  assert.deepEqual([r.needFiles, r.needBytes], [1, 2]);
});

Deno.test("interim progress: what a transfer holds never makes the bytes still needed negative", () => {
  const p = new InterimProgress(0);
  p.start([write("a", 10)], none);
  p.held("a", 12);
  assert.equal(p.take(0, rest).needBytes, 0);
});
