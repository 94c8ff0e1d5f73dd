/**
 * @module scan_memory_child
 * Child process for the memory test: scans ROOT with the default chunk
 * parameters and prints one JSON line — bytes hashed, chunks, and the
 * process's peak resident set (VmHWM, KiB, from /proc/self/status).
 *
 *     deno run -A tests/files/scan_memory_child.ts ROOT
 */

import { DEFAULT_CHUNK_PARAMS } from "../../src/files/chunk_params.ts";
import { MemoryFileIndex } from "../../src/files/file_index.ts";
import { scanFolder } from "../../src/files/scan.ts";

const r = await scanFolder(Deno.args[0], new MemoryFileIndex(), {
  params: DEFAULT_CHUNK_PARAMS,
  seed: 0x1234n,
});
const status = await Deno.readTextFile("/proc/self/status");
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]);
const chunks = r.changed.reduce((n, c) => n + (c.kind === "file" ? c.chunks.length : 0), 0);
console.log(JSON.stringify({ hashedBytes: r.stats.hashedBytes, chunks, vmHwmKiB: hwm }));
