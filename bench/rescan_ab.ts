/**
 * @module rescan_ab
 * `mycel folder scan` with nothing changed, this tree against other
 * checkouts of mycel (say main before a change to the scan), as whole
 * processes in one run: each tree gets its own home and its own copy of the
 * same folder (FILES files of 1–4 KiB, 100 per folder), shared once with
 * `folder add`; then the trees' scans alternate, RUNS each. Prints each
 * tree's median and runs, and its ratio to the first `--base`. What a 30 s
 * round costs when nothing changed, start-up included.
 *
 *     git archive ba202f5 | tar -x -C /tmp/base && ln -s "$PWD/node_modules" /tmp/base/
 *     deno run -A bench/rescan_ab.ts --base /tmp/base [--base /tmp/other] [--files 20000] [--runs 21]
 *
 * (`deno bench` ignores this file.)
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { denoRunArgs } from "../src/runtime_flags.ts";
import { machine, median } from "./bench_helpers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    base: { type: "string", multiple: true },
    files: { type: "string", default: "20000" },
    runs: { type: "string", default: "21" },
  },
});
if (!values.base?.length) {
  console.error("usage: rescan_ab.ts --base DIR [--base DIR ...] [--files N] [--runs R]");
  Deno.exit(2);
}
const FILES = Number(values.files), RUNS = Number(values.runs);
const trees: [string, string][] = [
  ...values.base.map((b, i): [string, string] => [i === 0 ? "base" : `base${i + 1}`, b]),
  ["this", new URL("..", import.meta.url).pathname],
];
const dir = await Deno.makeTempDir({ prefix: "mycel-rescan-ab-" });
const env = {
  PATH: Deno.env.get("PATH") ?? "",
  HOME: dir,
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
};

async function mycel(tree: string, home: string, args: string[]): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...denoRunArgs(join(tree, "main.ts")), "--home", home, ...args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    cwd: tree,
  }).output();
  if (!out.success) throw new Error(`${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  return performance.now() - t0;
}

try {
  for (const [name, tree] of trees) {
    const folder = join(dir, `folder-${name}`);
    for (let i = 0; i < FILES; i++) {
      const sub = join(folder, `d${Math.floor(i / 100)}`);
      if (i % 100 === 0) Deno.mkdirSync(sub, { recursive: true });
      Deno.writeFileSync(join(sub, `f${i % 100}`), new Uint8Array(1024 + (i * 37) % 3072).fill(i));
    }
    await mycel(tree, join(dir, `home-${name}`), ["init", "--name", name]);
    await mycel(tree, join(dir, `home-${name}`), ["--no-sync", "folder", "add", folder]);
  }
  // One untimed scan each: a tree that marks files scanned within seconds of
  // their writes as racy (scan_file.ts) reads those once more, then never.
  for (const [name, tree] of trees) {
    await mycel(tree, join(dir, `home-${name}`), ["--no-sync", "folder", "scan"]);
  }
  console.log(`folder scan, ${FILES} unchanged files, ${RUNS} runs each; ${machine()}`);
  const times = new Map(trees.map(([name]) => [name, [] as number[]]));
  for (let r = 0; r < RUNS; r++) {
    for (const [name, tree] of trees) {
      times.get(name)!.push(
        await mycel(tree, join(dir, `home-${name}`), ["--no-sync", "folder", "scan"]),
      );
    }
  }
  const base = median(times.get("base")!);
  for (const [name, tree] of trees) {
    const ms = times.get(name)!;
    console.log(
      `${name} (${tree}): median ${median(ms).toFixed(0)} ms, ratio ${
        (median(ms) / base).toFixed(3)
      }; ` +
        `runs ${ms.map((x) => x.toFixed(0)).join(" ")}`,
    );
  }
  console.log(`load average after: ${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
} finally {
  await Deno.remove(dir, { recursive: true });
}
