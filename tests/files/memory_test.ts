/**
 * @module memory_test
 * Scanning streams files: a child process scans a folder holding a 1 GiB
 * file and its peak resident memory (VmHWM) stays far below the file size.
 * A memory bound is behaviour, not timing, so it is asserted here.
 */

import assert from "node:assert/strict";
import { runProcess } from "../helpers/process.ts";
import { pseudoRandomBytes, testFolder } from "./helpers.ts";

const GIB = 1 << 30;
const MIB = 1 << 20;

Deno.test("scanning a 1 GiB file keeps the process under 200 MB resident", async () => {
  await using f = await testFolder();
  // Sparse, with 1 MiB of noise every 32 MiB so the content is not all zeros.
  const file = await Deno.open(f.abs("huge.img"), { write: true, create: true });
  try {
    await file.truncate(GIB);
    for (let at = 0; at < GIB; at += 32 * MIB) {
      await file.seek(at, Deno.SeekMode.Start);
      await file.write(pseudoRandomBytes(MIB, at / MIB + 1));
    }
  } finally {
    file.close();
  }
  const child = new URL("./scan_memory_child.ts", import.meta.url).pathname;
  const r = await runProcess(Deno.execPath(), ["run", "-A", child, f.root], { timeoutMs: 180_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim()) as {
    hashedBytes: number;
    chunks: number;
    vmHwmKiB: number;
  };
  assert.equal(out.hashedBytes, GIB);
  assert.ok(out.chunks >= 1024, `${out.chunks} chunks`);
  const peakMB = out.vmHwmKiB * 1024 / 1e6;
  console.log(`peak RSS while scanning 1 GiB: ${peakMB.toFixed(0)} MB`);
  assert.ok(peakMB < 200, `peak RSS ${peakMB.toFixed(0)} MB`);
});
