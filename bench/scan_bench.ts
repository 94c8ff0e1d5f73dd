/**
 * @module scan_bench
 * A re-scan with nothing changed, over 20,000 real files (200 folders of
 * 100 files of 1–4 KiB in a temporary folder), side by side with baselines
 * in one run (median of runs, ms and files/s):
 * - "scanFolder re-scan": the shipped scan against a MemoryFileIndex that
 *   holds every file (so nothing is read) — what each 30 s round costs;
 * - "bare walk": readDirSync + lstatSync of every entry and nothing else,
 *   the floor for any scan in Deno;
 * - "find -printf": GNU find printing size, mtime, inode and ctime of every
 *   file to /dev/null — a native walk, for scale.
 * Also printed once: the first scan (every file read and chunked). Each
 * line shows median and best wall-clock time and the median CPU time of
 * this process (find runs in a child, so its CPU is not counted there).
 *
 *     deno run -A bench/scan_bench.ts [files] [runs]
 */

import { join } from "node:path";
import { cpuUsage } from "node:process";
import { DEFAULT_CHUNK_PARAMS } from "../src/files/chunk_params.ts";
import { MemoryFileIndex } from "../src/files/file_index.ts";
import { MARKER_NAME } from "../src/files/folder_layout.ts";
import { scanFolder } from "../src/files/scan.ts";

const FILES = Number(Deno.args[0] ?? 20_000);
const RUNS = Number(Deno.args[1] ?? 7);
const PER_DIR = 100;
const options = { params: DEFAULT_CHUNK_PARAMS, seed: 0x5eedn };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function bareWalk(root: string): number {
  let n = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const e of Deno.readDirSync(dir)) {
      const abs = join(dir, e.name);
      const info = Deno.lstatSync(abs);
      if (info.isDirectory) stack.push(abs);
      else n++;
    }
  }
  return n;
}

/** CPU time of this process so far (user + system), ms. */
function cpuMs(): number {
  const u = cpuUsage();
  return (u.user + u.system) / 1000;
}

async function time(label: string, fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn(); // warm-up
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    await fn();
    cpu.push(cpuMs() - c0);
    wall.push(performance.now() - t0);
  }
  const ms = median(wall);
  console.log(
    `${label.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms median ${
      Math.min(...wall).toFixed(1).padStart(8)
    } ms best ${median(cpu).toFixed(1).padStart(8)} ms CPU (this process)  ${
      Math.round(FILES / (ms / 1000)).toLocaleString("en").padStart(9)
    } files/s`,
  );
  return ms;
}

const root = await Deno.makeTempDir({ prefix: "mycel-scan-bench-" });
try {
  await Deno.writeTextFile(join(root, MARKER_NAME), "");
  const block = new Uint8Array(4096);
  crypto.getRandomValues(block);
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, `d${Math.floor(i / PER_DIR)}`);
    if (i % PER_DIR === 0) await Deno.mkdir(dir);
    block[0] = i & 255;
    block[1] = i >> 8;
    await Deno.writeFile(join(dir, `f${i}.txt`), block.subarray(0, 1024 + (i % 3072)));
  }
  console.log(
    `${FILES} files in ${FILES / PER_DIR} folders, median of ${RUNS}, Deno ${Deno.version.deno}`,
  );
  const index = new MemoryFileIndex();
  const t0 = performance.now();
  const first = await scanFolder(root, index, options);
  index.apply(first);
  console.log(
    `first scan (reads all)  ${
      (performance.now() - t0).toFixed(0)
    } ms, ${first.changed.length} files`,
  );
  const rescan = await time("scanFolder re-scan", async () => {
    const r = await scanFolder(root, index, options);
    if (r.changed.length !== 0 || r.stats.unchanged !== FILES) {
      throw new Error("not a clean re-scan");
    }
  });
  const bare = await time("bare walk (Deno)", () => {
    if (bareWalk(root) !== FILES + 1) throw new Error("walk miscounted");
  });
  const find = await time("find -printf", async () => {
    const out = await new Deno.Command("find", {
      args: [root, "-printf", "%s %T@ %i %C@\n"],
      stdout: "null",
    }).output();
    if (!out.success) throw new Error("find failed");
  });
  console.log(
    `ratios: re-scan / bare walk ${(rescan / bare).toFixed(2)}x, re-scan / find ${
      (rescan / find).toFixed(2)
    }x`,
  );
} finally {
  await Deno.remove(root, { recursive: true });
}
