/**
 * @module storage_bench
 * Issue 10: what a command costs as the home grows. Whole `mycel` processes
 * (`deno run -A --v8-flags=… main.ts`, bench_homes.ts) on homes built by make_home.ts (3 devices,
 * round-robin `pref.set` entries), side by side in one run:
 *
 * 1. `pref set` on a home with 10,000 keys against one with 10 keys (both
 *    20,000 entries), with `deno run -A` of an empty script as the floor:
 *    hyperfine, medians. Target: ratio ≤ 1.3.
 * 2. For homes of 10k, 100k and 1M entries over 1,000 keys: wall time and
 *    peak RSS (`/usr/bin/time`'s maximum resident set) of `status`, `pref
 *    set`, `sync now` (this home's round with a fresh peer, to which it
 *    sends a checkpoint) and `sync serve` (answering a fresh device's first
 *    round, then an idle one; peak RSS read from /proc/PID/status). The
 *    sizes are interleaved in each repetition so load drift hits them alike.
 *    Target: flat peak RSS.
 *
 *     deno run -A bench/storage_bench.ts                         # all of it
 *     deno run -A bench/storage_bench.ts --sizes 10000,100000    # smaller
 *     deno run -A bench/storage_bench.ts --cache /tmp/mycel-bench-homes --runs 30 --reps 5
 *
 * Homes are built once into the cache folder (default
 * $TMPDIR/mycel-bench-homes; the 1M-entry home takes about a minute and
 * ~350 MB) and copied for each run. Needs hyperfine and /usr/bin/time.
 */

import { parseArgs } from "node:util";
import { fmt, load, machine, mb, median, timed } from "./bench_helpers.ts";
import {
  cachedHome,
  CHILD_ENV,
  DENO,
  freePort,
  freshPeer,
  MYCEL,
  mycel,
  serve,
  workHome,
} from "./bench_homes.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cache: { type: "string", default: `${Deno.env.get("TMPDIR") ?? "/tmp"}/mycel-bench-homes` },
    sizes: { type: "string", default: "10000,100000,1000000" },
    runs: { type: "string", default: "20" },
    reps: { type: "string", default: "3" },
    only: { type: "string", default: "pref,sizes" },
  },
});
const SIZES = values.sizes.split(",").map(Number);
const RUNS = Number(values.runs);
const REPS = Number(values.reps);
const ONLY = new Set(values.only.split(","));

const work = await Deno.makeTempDir({ prefix: "mycel-storage-bench-" });

/** hyperfine over `commands` (name → argv); returns median/mean/min seconds by name. */
async function hyperfine(commands: [string, string[]][], runs: number) {
  const json = `${work}/hyperfine.json`;
  const args = ["--shell=none", "--warmup", "3", "--runs", String(runs), "--export-json", json];
  for (const [name, argv] of commands) args.push("--command-name", name, argv.join(" "));
  const out = await new Deno.Command("hyperfine", {
    args,
    env: CHILD_ENV,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (out.code !== 0) throw new Error("hyperfine failed");
  const results = JSON.parse(await Deno.readTextFile(json)).results as {
    command: string;
    median: number;
    mean: number;
    min: number;
  }[];
  return new Map(results.map((r) => [r.command, r]));
}

async function prefSet() {
  console.log("\n## `pref set`: 10,000 keys against 10 keys (20,000 entries each)\n");
  const few = await workHome(
    await cachedHome(values.cache, { entries: 20_000, keys: 10 }),
    `${work}/keys10`,
  );
  const many = await workHome(
    await cachedHome(values.cache, { entries: 20_000, keys: 10_000 }),
    `${work}/keys10000`,
  );
  await Deno.writeTextFile(`${work}/empty.ts`, "");
  console.log(`before: ${machine()}`);
  const set = (
    home: string,
  ) => [...MYCEL, "--home", home, "--no-sync", "pref", "set", "bench", "x"];
  const r = await hyperfine([
    ["deno run -A empty.ts", [DENO, "run", "-A", `${work}/empty.ts`]],
    ["pref set, 10 keys", set(few)],
    ["pref set, 10,000 keys", set(many)],
  ], RUNS);
  console.log(`after: load average ${load()}\n`);
  console.log("| command | median | mean | min | peak RSS |");
  console.log("| --- | --: | --: | --: | --: |");
  for (
    const [name, home] of [["deno run -A empty.ts", ""], ["pref set, 10 keys", few], [
      "pref set, 10,000 keys",
      many,
    ]]
  ) {
    const x = r.get(name)!;
    const rss = home === ""
      ? (await timed([DENO, "run", "-A", `${work}/empty.ts`])).rss
      : (await timed(set(home), { env: CHILD_ENV })).rss;
    console.log(
      `| ${name} | ${(x.median * 1000).toFixed(1)} ms | ${(x.mean * 1000).toFixed(1)} ms | ${
        (x.min * 1000).toFixed(1)
      } ms | ${mb(rss)} MB |`,
    );
  }
  const ratio = r.get("pref set, 10,000 keys")!.median / r.get("pref set, 10 keys")!.median;
  console.log(
    `\nratio 10,000 keys / 10 keys (medians) = ${ratio.toFixed(2)} (target ≤ 1.3: ${
      ratio <= 1.3 ? "met" : "MISSED"
    })`,
  );
}

interface Row {
  status: { ms: number; rss: number }[];
  prefSet: { ms: number; rss: number }[];
  syncNow: { ms: number; rss: number }[];
  serve: { ms: number; rss: number }[];
  dbBytes: number;
}

async function sizes() {
  console.log(`\n## Peak RSS and time by home size (${REPS} repetitions, medians)\n`);
  const homes = new Map<number, string>();
  for (const n of SIZES) {
    const cached = await cachedHome(values.cache, { entries: n, keys: 1000 });
    homes.set(n, await workHome(cached, `${work}/h${n}`));
  }
  console.log(`before: ${machine()}`);
  const rows = new Map<number, Row>(
    SIZES.map((n) => [n, { status: [], prefSet: [], syncNow: [], serve: [], dbBytes: 0 }]),
  );
  for (let rep = 0; rep < REPS; rep++) {
    for (const n of rep % 2 ? [...SIZES].reverse() : SIZES) {
      const h = homes.get(n)!;
      const row = rows.get(n)!;
      const run = async (args: string[], allow = [0]) => {
        const r = await timed([...MYCEL, "--home", h, ...args], { env: CHILD_ENV });
        if (!allow.includes(r.code)) throw new Error(`${args.join(" ")}: ${r.code} ${r.stderr}`);
        return { ms: r.ms, rss: r.rss };
      };
      row.status.push(await run(["status"]));
      row.prefSet.push(await run(["--no-sync", "pref", "set", "bench", `x${rep}`]));
      // This home answers a fresh device's first round (a checkpoint), then an idle one.
      const ph = freePort();
      const f1 = `${work}/f1-${n}-${rep}`;
      await freshPeer(f1, freePort(), h, `127.0.0.1:${ph}`);
      const server = await serve(h, ph);
      const t0 = performance.now();
      await mycel(f1, ["sync", "now"], [0, 3]);
      await mycel(f1, ["sync", "now"], [0, 3]);
      const serveMs = performance.now() - t0;
      row.serve.push({ ms: serveMs, rss: await server.peakRss() });
      const log = await server.stop();
      if (!/synced with fresh/.test(log)) throw new Error(`the server did not sync: ${log}`);
      // This home's own round with a fresh device (it sends a checkpoint).
      const pf = freePort();
      const f2 = `${work}/f2-${n}-${rep}`;
      await freshPeer(f2, pf, h, `127.0.0.1:${ph}`);
      const peer = await serve(f2, pf);
      row.syncNow.push(await run(["sync", "now"], [0, 3]));
      const peerLog = await peer.stop();
      if (!/synced with d0/.test(peerLog)) throw new Error(`the round did not sync: ${peerLog}`);
      for (const f of [f1, f2]) await Deno.remove(f, { recursive: true });
    }
  }
  console.log(`after: load average ${load()}\n`);
  for (const n of SIZES) rows.get(n)!.dbBytes = (await Deno.stat(`${homes.get(n)}/mycel.db`)).size;
  const cell = (xs: { ms: number; rss: number }[]) =>
    `${median(xs.map((x) => x.ms)).toFixed(0)} ms, ${mb(median(xs.map((x) => x.rss)))} MB`;
  console.log(
    "| entries | mycel.db | `status` | `pref set` | `sync now` (sends a checkpoint) | `sync serve` (fresh + idle round) |",
  );
  console.log("| --: | --: | --: | --: | --: | --: |");
  for (const n of SIZES) {
    const r = rows.get(n)!;
    console.log(
      `| ${fmt(n)} | ${mb(r.dbBytes)} MB | ${cell(r.status)} | ${cell(r.prefSet)} | ${
        cell(r.syncNow)
      } | ${cell(r.serve)} |`,
    );
  }
  const first = rows.get(SIZES[0])!, last = rows.get(SIZES[SIZES.length - 1])!;
  const ratio = (k: keyof Omit<Row, "dbBytes">) =>
    (median(last[k].map((x) => x.rss)) / median(first[k].map((x) => x.rss))).toFixed(2);
  console.log(
    `\npeak RSS ${fmt(SIZES[SIZES.length - 1])} / ${fmt(SIZES[0])} entries: status ${
      ratio("status")
    }, pref set ${ratio("prefSet")}, sync now ${ratio("syncNow")}, sync serve ${ratio("serve")}`,
  );
}

try {
  console.log(machine());
  if (ONLY.has("pref")) await prefSet();
  if (ONLY.has("sizes")) await sizes();
} finally {
  await Deno.remove(work, { recursive: true });
}
