/**
 * @module status_wanted_ab
 * `mycel folder status --json` on a device with FILES files still to fetch,
 * this tree against other checkouts of mycel (say main before a change to
 * the standing), as whole processes against the same home. The files are
 * ones another device renamed (every file of the folder, in place: f1 → g1):
 * their content is held here under the old names, so each is behind by 0
 * bytes, the case that makes the status look at this device's own files
 * (folder_standing.ts). Built with this tree: device a shares a folder of
 * FILES tiny files (64 B–3 KiB, each its own content), b joins a copy of it
 * (adopted, nothing fetched), a renames them all, scans and pushes to b's
 * `sync serve`; b's round never runs. Then the trees' status runs alternate,
 * RUNS each; every tree must print the same JSON.
 *
 *     git worktree add /tmp/base HEAD~3 && ln -s "$PWD/node_modules" /tmp/base/
 *     deno run -A bench/status_wanted_ab.ts --base /tmp/base [--files 100000] [--runs 7] [--dir DIR]
 *
 * `--dir DIR` keeps the homes and folders there and reuses them on the next
 * run (b's home is `DIR/home-b`, to profile a status against). Without it
 * they go in a temporary folder removed at the end.
 * (`deno bench` ignores this file.)
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { denoRunArgs } from "../src/runtime_flags.ts";
import { machine, median } from "./bench_helpers.ts";
import { CHILD_ENV, freePort, freshPeer, mycel, serve } from "./bench_homes.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string", multiple: true },
    files: { type: "string", default: "100000" },
    runs: { type: "string", default: "7" },
    dir: { type: "string" },
  },
});
const FILES = Number(values.files), RUNS = Number(values.runs);
const trees: [string, string][] = [
  ...(values.base ?? []).map((b, i): [string, string] => [i === 0 ? "base" : `base${i + 1}`, b]),
  ["this", new URL("..", import.meta.url).pathname],
];
const dir = values.dir ?? await Deno.makeTempDir({ prefix: "mycel-status-wanted-" });
const homeA = join(dir, "home-a"), homeB = join(dir, "home-b");
const rootA = join(dir, "folder-a"), rootB = join(dir, "folder-b");

/** File i of the folder: its own content, 64 B to 3 KiB, a hundred to a subfolder. */
function writeFolder(root: string): void {
  const enc = new TextEncoder();
  for (let i = 0; i < FILES; i++) {
    const sub = join(root, `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) Deno.mkdirSync(sub, { recursive: true });
    const bytes = new Uint8Array(64 + (i * 37) % 3008).fill(97 + i % 26);
    bytes.set(enc.encode(`file ${i}\n`));
    Deno.writeFileSync(join(sub, `f${i % 100}`), bytes);
  }
}

async function build(): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const portA = freePort(), portB = freePort();
  await mycel(homeA, ["init", "--name", "a", "--listen", `127.0.0.1:${portA}`]);
  await freshPeer(homeB, portB, homeA, `127.0.0.1:${portA}`);
  writeFolder(rootA);
  writeFolder(rootB); // the same files: b's join adopts them, nothing to fetch
  await mycel(homeA, ["--no-sync", "folder", "add", rootA, "--id", "bench"]);
  const server = await serve(homeB, portB);
  try {
    await mycel(homeA, ["sync", "now", "--timeout", "600"], [0, 3]);
    await mycel(homeB, ["--no-sync", "folder", "join", "bench", rootB]);
    for (let i = 0; i < FILES; i++) {
      const sub = join(rootA, `d${Math.floor(i / 100)}`);
      Deno.renameSync(join(sub, `f${i % 100}`), join(sub, `g${i % 100}`));
    }
    await mycel(homeA, ["--no-sync", "folder", "scan", "bench", "--yes"]);
    await mycel(homeA, ["sync", "now", "--timeout", "600"], [0, 3]);
  } finally {
    await server.stop();
  }
  await Deno.writeTextFile(join(dir, "ready"), `${FILES}\n`);
}

/** One status run: wall ms, CPU seconds (user + system), peak RSS (bytes), its output. */
async function status(
  tree: string,
): Promise<{ ms: number; cpu: number; rss: number; out: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: [
      "-f",
      "@@%U %S %M",
      Deno.execPath(),
      ...denoRunArgs(join(tree, "main.ts")),
      "--home",
      homeB,
      "--no-sync",
      "folder",
      "status",
      "bench",
      "--json",
    ],
    env: { ...CHILD_ENV, DENO_NO_UPDATE_CHECK: "1" },
    stdout: "piped",
    stderr: "piped",
    cwd: tree,
  }).output();
  const ms = performance.now() - t0;
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${tree}: ${err}`);
  const [user, sys, kb] = err.slice(err.lastIndexOf("@@") + 2).trim().split(" ").map(Number);
  return { ms, cpu: user + sys, rss: kb * 1024, out: new TextDecoder().decode(out.stdout) };
}

try {
  const ready = await Deno.readTextFile(join(dir, "ready")).catch(() => undefined);
  if (ready?.trim() !== String(FILES)) {
    const t0 = performance.now();
    await build();
    console.log(
      `built ${FILES} renamed files in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const first = await status(trees[trees.length - 1][1]);
  const self = JSON.parse(first.out)[0].devices.find((d: { self: boolean }) => d.self);
  console.log(`b's own line: ${JSON.stringify(self)}`);
  console.log(`folder status --json, ${FILES} files wanted, ${RUNS} runs each; ${machine()}`);
  const runs = new Map(
    trees.map(([name]) => [name, [] as { ms: number; cpu: number; rss: number }[]]),
  );
  for (let r = 0; r < RUNS; r++) {
    for (const [name, tree] of trees) {
      const { out, ...run } = await status(tree);
      if (out !== first.out) throw new Error(`${name} printed another status:\n${out}`);
      runs.get(name)!.push(run);
    }
  }
  const base = median(runs.get(trees[0][0])!.map((r) => r.ms));
  for (const [name, tree] of trees) {
    const list = runs.get(name)!, ms = list.map((r) => r.ms);
    console.log(
      `${name} (${tree}): wall median ${median(ms).toFixed(0)} ms, best ${
        Math.min(...ms).toFixed(0)
      } ms, ratio ${(median(ms) / base).toFixed(3)}; CPU median ${
        median(list.map((r) => r.cpu)).toFixed(2)
      } s; peak RSS median ${(median(list.map((r) => r.rss)) / 2 ** 20).toFixed(0)} MiB; ` +
        `wall runs ${ms.map((x) => x.toFixed(0)).join(" ")}`,
    );
  }
  console.log(`load average after: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  if (values.dir === undefined) await Deno.remove(dir, { recursive: true });
}
