/**
 * @module local_copy_test
 * A large file rebuilt from the chunks this device already has
 * (src/sync/local_copy.ts: read on the main thread, checked on a second):
 * - in-process, with the real hashing worker: a chunk whose local bytes are
 *   not its id is never written and goes back to the caller, every other
 *   one is written (as a local copy), a small file is left to the plain
 *   path, and what waits for its hash stays bounded;
 * - with real processes: 1 MiB changed in the middle of a 24 MiB file
 *   arrives whole, fetching a few MiB, not the file.
 */

import assert from "node:assert/strict";
import { bytesEqual } from "../../src/bytes.ts";
import { loadBlake3 } from "../../src/files/chunk_hash.ts";
import type { ChunkRef } from "../../src/log/chunk_list.ts";
import type { LocalChunks } from "../../src/sync/local_chunks.ts";
import { LocalCopy, PIPELINE_MIN_BYTES, WINDOW_BYTES } from "../../src/sync/local_copy.ts";
import type { Task } from "../../src/sync/folder_apply_task.ts";
import type { TaskWriter } from "../../src/sync/folder_apply_write.ts";
import { devices, rounds, sharedFolder, syncNow } from "./_helpers.ts";

const MiB = 1 << 20;

function chunkOf(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < length; i++) {
    x = (x * 1664525 + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function fixture(sizes: number[]) {
  const blake3 = await loadBlake3();
  const bytes = sizes.map((n, i) => chunkOf(i + 1, n));
  const chunks: ChunkRef[] = bytes.map((b) => ({ hash: blake3(b), length: b.length }));
  const size = sizes.reduce((a, b) => a + b, 0);
  const task = {
    path: "big.bin",
    version: { size },
    done: new Uint8Array((sizes.length + 7) >> 3),
  } as unknown as Task;
  return { bytes, chunks, task };
}

Deno.test("local copy: a chunk whose local bytes are not its id is never written and goes back; the others are written as local copies", async () => {
  const { bytes, chunks, task } = await fixture(Array.from({ length: 12 }, () => MiB));
  const wrong = new Set([3, 7]);
  let waiting = 0, most = 0;
  const locals = {
    read(hash: string): Promise<Uint8Array | undefined> {
      const i = chunks.findIndex((c) => c.hash === hash);
      if (i === 10) return Promise.resolve(undefined); // no local file holds it any more
      const b = wrong.has(i) ? chunkOf(99, MiB) : bytes[i];
      waiting += b.length;
      most = Math.max(most, waiting);
      return Promise.resolve(b);
    },
  } as unknown as LocalChunks;
  const puts: [number, boolean][] = [];
  const writer = {
    put(_t: Task, i: number, b: Uint8Array, local = false) {
      assert.ok(bytesEqual(b, bytes[i]), `chunk ${i} written with its own bytes`);
      waiting -= b.length;
      puts.push([i, local]);
      return Promise.resolve();
    },
  } as unknown as TaskWriter;
  const copy = new LocalCopy(writer);
  try {
    const r = await copy.copy(task, chunks, locals);
    assert.deepEqual(r.left, [3, 7, 10]);
    assert.equal(r.bytes, 9 * MiB);
    assert.deepEqual(puts.map(([i]) => i), [0, 1, 2, 4, 5, 6, 8, 9, 11]);
    assert.ok(puts.every(([, local]) => local), "put as local copies");
    // Mismatched chunks never reach put (they stay counted in `waiting`).
    assert.ok(most <= WINDOW_BYTES + 3 * MiB, `at most the window waits (${most})`);
  } finally {
    copy.close();
  }
});

Deno.test("local copy: a file under the pipeline's size is left whole to the plain path, and chunks done already are skipped", async () => {
  const small = await fixture([PIPELINE_MIN_BYTES / 4, PIPELINE_MIN_BYTES / 4]);
  const none = {
    read: () => assert.fail("nothing read for a small file"),
  } as unknown as LocalChunks;
  const copy = new LocalCopy({} as TaskWriter);
  try {
    assert.deepEqual(await copy.copy(small.task, small.chunks, none), { left: [0, 1], bytes: 0 });
    const big = await fixture([MiB, 4 * MiB, 4 * MiB, MiB]);
    big.task.done[0] = 0b0101; // chunks 0 and 2 are in already
    const read: number[] = [];
    const locals = {
      read(hash: string) {
        const i = big.chunks.findIndex((c) => c.hash === hash);
        read.push(i);
        return Promise.resolve(big.bytes[i]);
      },
    } as unknown as LocalChunks;
    const w = { put: () => Promise.resolve() } as unknown as TaskWriter;
    const c2 = new LocalCopy(w);
    try {
      const r = await c2.copy(big.task, big.chunks, locals);
      assert.deepEqual(read, [1, 3]);
      assert.deepEqual(r, { left: [], bytes: 5 * MiB });
    } finally {
      c2.close();
    }
  } finally {
    copy.close();
  }
});

Deno.test("1 MiB changed in the middle of a 24 MiB file arrives whole, fetching a few MiB of it", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const big = chunkOf(7, 24 * MiB);
  const [ra, rb] = await sharedFolder(devs, "docs", {
    seed: (root) => Deno.writeFile(`${root}/big.bin`, big),
  });
  await rounds([b], 1);
  assert.ok(bytesEqual(await Deno.readFile(`${rb}/big.bin`), big));
  const changed = big.slice();
  changed.set(chunkOf(8, MiB), 12 * MiB);
  await Deno.writeFile(`${ra}/big.bin`, changed);
  const ra1 = await syncNow(a);
  assert.equal(ra1.code, 0, ra1.stderr);
  const r = await syncNow(b);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(bytesEqual(await Deno.readFile(`${rb}/big.bin`), changed), "whole and as changed");
  const fetched = r.stdout.match(/([\d.]+) MiB fetched/);
  assert.ok(fetched !== null, `a few MiB fetched, said in MiB:\n${r.stdout}`);
  assert.ok(Number(fetched[1]) <= 4, `at most 4 MiB fetched, not the file:\n${r.stdout}`);
});
