/**
 * HashPool (src/files/hash_pool.ts): BLAKE3 in a worker gives the ids the
 * in-thread hasher gives, in order, reusing its buffers, whether chunks
 * share a batch or not, and a batch not full is answered without anyone
 * settling; `settle` bounds
 * what is in flight; a closed pool refuses what was in flight. A scan that
 * hashes in the worker reports exactly what a scan in one thread reports.
 */

import assert from "node:assert/strict";
import { blake3Hex } from "../../src/files/chunk_hash.ts";
import { MemoryFileIndex } from "../../src/files/file_index.ts";
import { HashPool } from "../../src/files/hash_pool.ts";
import { scanFolder } from "../../src/files/scan.ts";
import { pseudoRandomBytes, TEST_PARAMS, TEST_SEED, testFolder } from "./helpers.ts";

Deno.test("the worker's ids are the in-thread BLAKE3 of the same bytes, in order, at any size", async () => {
  const pool = new HashPool();
  try {
    // Several to a batch, one that fills a batch exactly, one over a batch's size between small ones.
    const sizes = [1, 7, 4095, 4096, 4097, 65536, 300_000, 1 << 20, 3, 4096, 3 << 20, 5];
    const inputs = sizes.map((n, i) => pseudoRandomBytes(n, 100 + i));
    const asked = inputs.map((b) => pool.hash(b));
    // The bytes were copied at once: changing them now changes nothing.
    for (const b of inputs) b.fill(0xff, 0, 1);
    const got = await Promise.all(asked);
    const want = await Promise.all(sizes.map((n, i) => blake3Hex(pseudoRandomBytes(n, 100 + i))));
    assert.deepEqual(got, want);
    assert.equal(pool.inFlight, 0);
    // Buffers that came back are reused: the same answers again.
    const again = await Promise.all(sizes.map((n, i) => pool.hash(pseudoRandomBytes(n, 100 + i))));
    assert.deepEqual(again, want);
  } finally {
    pool.close();
  }
});

Deno.test("settle resolves once at most the given bytes are in flight", async () => {
  const pool = new HashPool();
  try {
    const all = Array.from({ length: 16 }, (_, i) => pool.hash(pseudoRandomBytes(256 * 1024, i)));
    assert.equal(pool.inFlight, 16 * 256 * 1024);
    await pool.settle(4 * 256 * 1024);
    assert.ok(pool.inFlight <= 4 * 256 * 1024, `${pool.inFlight} bytes still in flight`);
    await pool.settle();
    assert.equal(pool.inFlight, 0);
    await Promise.all(all);
  } finally {
    pool.close();
  }
});

Deno.test("a closed pool refuses what was in flight and what comes after", async () => {
  const pool = new HashPool();
  const pending = [pool.hash(pseudoRandomBytes(1 << 20, 1)), pool.hash(pseudoRandomBytes(10, 2))];
  pool.close();
  for (const p of pending) await assert.rejects(p, /closed/);
  await assert.rejects(pool.hash(new Uint8Array(5)), /closed/);
  assert.equal(pool.inFlight, 0);
});

Deno.test("a scan hashing in a worker reports exactly what a scan in one thread reports", async () => {
  await using f = await testFolder();
  await f.write("big.bin", pseudoRandomBytes(5 << 20, 1));
  for (let i = 0; i < 40; i++) {
    await f.write(`d${i % 4}/f${i}.dat`, pseudoRandomBytes(1 + ((i * 7919) % 70_000), 10 + i));
  }
  await f.write("empty.txt", "");
  const options = { params: TEST_PARAMS, seed: TEST_SEED };
  const inThread = await scanFolder(f.root, new MemoryFileIndex(), { ...options, worker: "never" });
  const inWorker = await scanFolder(f.root, new MemoryFileIndex(), {
    ...options,
    worker: "always",
  });
  const auto = await scanFolder(f.root, new MemoryFileIndex(), options); // too little: no worker
  assert.equal(inThread.changed.length, 42);
  assert.ok(inThread.changed.some((c) => c.kind === "file" && c.chunks.length > 100));
  // `racy` says how soon after the writes each scan came, not what it found.
  const found = (r: typeof inThread) => r.changed.map(({ racy: _, ...c }) => c);
  assert.deepEqual(found(inWorker), found(inThread));
  assert.deepEqual(inWorker.stats, inThread.stats);
  assert.deepEqual(found(auto), found(inThread));
  assert.deepEqual(inWorker.skipped, []);
});

Deno.test("a scan whose worker fails hashes in its own thread instead: the same result, nothing skipped", async () => {
  await using f = await testFolder();
  await f.write("big.bin", pseudoRandomBytes(3 << 20, 2));
  for (let i = 0; i < 12; i++) {
    await f.write(`f${i}.dat`, pseudoRandomBytes(5000 + i * 999, 30 + i));
  }
  const options = { params: TEST_PARAMS, seed: TEST_SEED };
  const inThread = await scanFolder(f.root, new MemoryFileIndex(), { ...options, worker: "never" });
  let made = 0;
  const broken = await scanFolder(f.root, new MemoryFileIndex(), {
    ...options,
    worker: "always",
    newHashPool: () => {
      made++;
      const pool = new HashPool();
      pool.close(); // every hash it is asked for is refused
      return pool;
    },
  });
  assert.equal(made, 1, "one pool, not one per file");
  assert.deepEqual(broken.skipped, []);
  // `racy` says how soon after the writes each scan came, not what it found.
  const found = (r: typeof inThread) => r.changed.map(({ racy: _, ...c }) => c);
  assert.deepEqual(found(broken), found(inThread));
  assert.deepEqual(broken.stats, inThread.stats);
});
