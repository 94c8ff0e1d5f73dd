/**
 * @module first_sync_profile
 * mycel's four first-sync steps alone (folder_bench.ts's tree and steps, no
 * Syncthing or rsync), with what each process spent while the fetch ran:
 * the fetching `sync now`'s CPU (whole process and main thread, user and
 * system, from /proc every 20 ms) and peak RSS, and the serving `sync
 * serve`'s CPU over the same step. Builds can be alternated run by run to
 * compare them on one sitting (MAINS), and either side CPU-profiled
 * (PROF=fetch,serve,add: V8's `--cpu-prof`, one .cpuprofile per process in
 * OUT; `deno run -A bench/cpuprofile_top.ts FILE` sums it).
 *
 *     deno run -A bench/first_sync_profile.ts
 *     MAINS=/old/main.ts,/new/main.ts RUNS=3 deno run -A bench/first_sync_profile.ts
 *     PROF=fetch,serve OUT=/tmp/p deno run -A bench/first_sync_profile.ts
 *
 * Knobs: BIG_MIB (512), SMALL (5000 files of 1–200 KiB), MEDIA (4 of 8 MiB),
 * RUNS (1 per build), TREE (a tree to reuse; made there if missing),
 * CHANGES (0): after the first sync, that many times folder_bench.ts's
 * third step — 1 MiB overwritten in the middle of the big file (other
 * bytes each time), `sync now` on A then on B, timed as the bench times
 * them (`changes`: seconds each, A's and B's `sync now` apart), and B's
 * changed MiB checked against A's.
 * One JSON line per run on stdout; the work folder is removed at the end.
 */

import { join } from "node:path";
import { denoRunArgs, V8_FLAGS_ARG } from "../src/runtime_flags.ts";
import { freePort, listening } from "../tests/helpers/net.ts";
import { childEnv, MAIN_TS } from "../tests/helpers/mycel.ts";
import { Teardown } from "./bench_teardown.ts";

const MiB = 1 << 20;
const BIG = Number(Deno.env.get("BIG_MIB") ?? 512) * MiB;
const SMALL = Number(Deno.env.get("SMALL") ?? 5000);
const MEDIA = Number(Deno.env.get("MEDIA") ?? 4);
const RUNS = Number(Deno.env.get("RUNS") ?? 1);
const MAINS = (Deno.env.get("MAINS") ?? MAIN_TS).split(",");
const PROF = new Set((Deno.env.get("PROF") ?? "").split(",").filter(Boolean));
const OUT = Deno.env.get("OUT") ?? Deno.cwd();
const TICK = Number(Deno.env.get("CLK_TCK") ?? 100);
const CHANGES = Number(Deno.env.get("CHANGES") ?? 0);

const teardown = new Teardown();
const stopOnSignals = teardown.onSignals("first_sync_profile");
const WORK = await Deno.makeTempDir({ prefix: "mycel-first-sync-" });
teardown.dir(WORK);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deterministic bytes (xorshift32 words), as folder_bench.ts makes them. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const v = new Uint32Array(out.buffer, 0, n >> 2);
  let x = seed | 1;
  for (let i = 0; i < v.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[i] = x >>> 0;
  }
  return out;
}

/** folder_bench.ts's tree (same names, sizes and bytes). */
async function makeTree(root: string) {
  await Deno.mkdir(root, { recursive: true });
  if (BIG > 0) {
    using big = await Deno.open(join(root, "disk.img"), { write: true, create: true });
    for (let at = 0; at < BIG; at += 16 * MiB) await big.write(noise(16 * MiB, 1 + at / MiB));
  }
  for (let i = 0; i < MEDIA; i++) {
    await Deno.writeFile(join(root, `media-${i}.bin`), noise(8 * MiB, 1000 + i));
  }
  for (let i = 0; i < SMALL; i++) {
    const dir = join(root, `docs/d${i % 100}`);
    if (i < 100) await Deno.mkdir(dir, { recursive: true });
    Deno.writeFileSync(join(dir, `f${i}.dat`), noise(1024 + ((i * 7919) % (199 * 1024)), 5000 + i));
  }
}

async function run(cmd: string, args: string[], env?: Record<string, string>) {
  const out = await teardown.spawn(
    new Deno.Command(cmd, { args, env, clearEnv: !!env, stdout: "piped", stderr: "piped" }),
  ).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text}`);
  return text;
}

/** utime + stime (s) of a process or one thread, from its stat file; undefined once gone. */
function cpu(path: string): { user: number; sys: number } | undefined {
  try {
    const s = Deno.readTextFileSync(path);
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { user: Number(f[11]) / TICK, sys: Number(f[12]) / TICK };
  } catch {
    return undefined;
  }
}

/** On-CPU and waiting-for-CPU seconds of a thread (schedstat); undefined once gone. */
function sched(path: string): { on: number; queued: number } | undefined {
  try {
    const [on, queued] = Deno.readTextFileSync(path).trim().split(" ").map(Number);
    return { on: on / 1e9, queued: queued / 1e9 };
  } catch {
    return undefined;
  }
}

function hwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

interface Device {
  home: string;
  folder: string;
  port: number;
  server?: Deno.ChildProcess;
}

/** PERF=DIR: `perf record` of the fetching and serving processes during the fetch (JIT code named). */
const PERF = Deno.env.get("PERF");

function args(main: string, what: string, extra: string[]): string[] {
  const base = PERF && (what === "fetch" || what === "serve")
    ? denoRunArgs(main).map((a) => a === V8_FLAGS_ARG ? `${a},--perf-basic-prof` : a)
    : denoRunArgs(main);
  if (!PROF.has(what)) return [...base, ...extra];
  // --cpu-prof before the script; the V8 flags as every mycel process has them.
  const i = base.indexOf(V8_FLAGS_ARG);
  return [
    ...base.slice(0, i),
    "--cpu-prof",
    `--cpu-prof-dir=${OUT}`,
    `--cpu-prof-name=${what}-${Date.now()}.cpuprofile`,
    ...base.slice(i),
    ...extra,
  ];
}

/** WRAP: a command the fetching process runs under (e.g. "strace -f -o FILE"). */
const WRAP = (Deno.env.get("WRAP") ?? "").split(" ").filter(Boolean);

function spawn(main: string, d: Device, what: string, extra: string[]): Deno.ChildProcess {
  const wrap = what !== "fetch"
    ? []
    : PERF
    ? ["perf", "record", "-F", "499", "-g", "-o", join(PERF, "fetch.data"), "--"]
    : WRAP;
  return teardown.spawn(
    new Deno.Command(wrap[0] ?? Deno.execPath(), {
      args: [
        ...wrap.slice(1),
        ...(wrap.length ? [Deno.execPath()] : []),
        ...args(main, what, extra),
      ],
      env: childEnv({ home: d.home }),
      clearEnv: true,
      cwd: WORK, // what a profiler writes beside the process stays in the work folder
      stdout: "piped",
      stderr: "piped",
    }),
  );
}

async function mycel(main: string, d: Device, what: string, extra: string[]) {
  const out = await spawn(main, d, what, extra).output();
  if (!out.success) {
    throw new Error(`mycel ${extra.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

async function serve(main: string, d: Device, what: string) {
  d.server = spawn(main, d, what, [
    "sync",
    "serve",
    "--listen",
    `127.0.0.1:${d.port}`,
    "--timeout",
    "60",
  ]);
  await listening(d.port, "mycel sync serve", 10_000);
}

async function once(main: string, tree: string, dir: string) {
  const dev = (n: string): Device => ({
    home: join(dir, `${n}-home`),
    folder: join(dir, `${n}-folder`),
    port: freePort(),
  });
  const a = dev("a"), b = dev("b");
  for (const d of [a, b]) {
    await mycel(main, d, "", [
      "init",
      "--name",
      d === a ? "a" : "b",
      "--listen",
      `127.0.0.1:${d.port}`,
    ]);
  }
  const card = async (d: Device) => (await mycel(main, d, "", ["mesh", "card"])).trim();
  await mycel(main, a, "", ["--no-sync", "mesh", "add-peer", await card(b)]);
  await mycel(main, b, "", ["--no-sync", "mesh", "add-peer", await card(a)]);
  await serve(main, a, "serve");
  await serve(main, b, "");
  await run("cp", ["-a", tree, a.folder]);
  await run("sync", []);
  const t = [performance.now()];
  await mycel(main, a, "add", ["--no-sync", "folder", "add", a.folder, "--id", "bench"]);
  t.push(performance.now());
  await mycel(main, b, "", ["sync", "now", "--timeout", "60"]);
  t.push(performance.now());
  await mycel(main, b, "", ["--no-sync", "folder", "join", "bench", b.folder]);
  t.push(performance.now());
  const spid = a.server!.pid;
  const s0 = cpu(`/proc/${spid}/stat`)!, sm0 = cpu(`/proc/${spid}/task/${spid}/stat`)!;
  const ss0 = sched(`/proc/${spid}/task/${spid}/schedstat`)!;
  const perfServe = PERF
    ? teardown.spawn(
      new Deno.Command("perf", {
        args: ["record", "-F", "499", "-g", "-p", `${spid}`, "-o", join(PERF, "serve.data")],
        stdout: "null",
        stderr: "null",
      }),
    )
    : undefined;
  const p = spawn(main, b, "fetch", ["sync", "now", "--timeout", "60"]);
  let over = false;
  const status = p.status.finally(() => over = true);
  let proc = { user: 0, sys: 0 }, mainT = { user: 0, sys: 0 }, peak = 0;
  let mainS = { on: 0, queued: 0 };
  while (!over) {
    mainS = sched(`/proc/${p.pid}/task/${p.pid}/schedstat`) ?? mainS;
    proc = cpu(`/proc/${p.pid}/stat`) ?? proc;
    mainT = cpu(`/proc/${p.pid}/task/${p.pid}/stat`) ?? mainT;
    peak = Math.max(peak, hwm(p.pid));
    await sleep(20);
  }
  const out = await p.output();
  t.push(performance.now());
  if (perfServe) {
    perfServe.kill("SIGINT");
    await perfServe.status;
  }
  const s1 = cpu(`/proc/${spid}/stat`)!, sm1 = cpu(`/proc/${spid}/task/${spid}/stat`)!;
  const ss1 = sched(`/proc/${spid}/task/${spid}/schedstat`)!;
  if (!(await status).success) throw new Error(new TextDecoder().decode(out.stderr));
  const changes = await changeRuns(main, a, b);
  // The serving side's profile is written when it exits.
  for (const d of [a, b]) {
    d.server!.kill("SIGTERM");
    await d.server!.status;
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  const steps = t.slice(1).map((x, i) => r((x - t[i]) / 1000));
  // Every file there, with its size (the bench checks contents; this only that the fetch ended).
  const count = Number((await run("sh", ["-c", `find ${b.folder} -name '*.dat' | wc -l`])).trim());
  return {
    main,
    steps,
    fetch: {
      wall: steps[3],
      cpu: r(proc.user + proc.sys),
      user: r(proc.user),
      sys: r(proc.sys),
      mainThread: r(mainT.user + mainT.sys),
      // The main thread's wall time: on a CPU, waiting for one, and the rest
      // blocked (event loop: the peer, the thread pool's opens and fsyncs).
      mainOn: r(mainS.on),
      mainQueued: r(mainS.queued),
      mainBlocked: r(steps[3] - mainS.on - mainS.queued),
      peakMiB: r(peak / MiB),
    },
    serve: {
      cpu: r(s1.user + s1.sys - s0.user - s0.sys),
      mainThread: r(sm1.user + sm1.sys - sm0.user - sm0.sys),
      mainQueued: r(ss1.queued - ss0.queued),
      mainBlocked: r(steps[3] - (ss1.on - ss0.on) - (ss1.queued - ss0.queued)),
    },
    smallFiles: count,
    ...(CHANGES > 0 ? { changes } : {}),
  };
}

/** The 1 MiB at the middle of the big file (BIG_MIB's). */
async function middle(path: string, write?: Uint8Array): Promise<Uint8Array> {
  using f = await Deno.open(path, { read: true, write: write !== undefined });
  await f.seek(BIG / 2, Deno.SeekMode.Start);
  if (write) {
    await f.write(write);
    return write;
  }
  const out = new Uint8Array(MiB);
  for (let at = 0; at < out.length;) {
    const n = await f.read(out.subarray(at));
    if (n === null) throw new Error(`${path} is shorter than ${BIG} bytes`);
    at += n;
  }
  return out;
}

/** CHANGES times: 1 MiB changed mid-file on A, then `sync now` on A and on B (s each). */
async function changeRuns(main: string, a: Device, b: Device) {
  const out: { total: number; a: number; b: number }[] = [];
  for (let k = 0; k < CHANGES && BIG > 0; k++) {
    // Seeds that differ past the low bit, which noise() sets: 4242 and 4243
    // are the same bytes, and such a "change" moved only the file's time.
    const bytes = await middle(join(a.folder, "disk.img"), noise(MiB, 4242 + 2 * k));
    await run("sync", []);
    const t0 = performance.now();
    await mycel(main, a, "", ["sync", "now", "--timeout", "60"]);
    const t1 = performance.now();
    await mycel(main, b, "", ["sync", "now", "--timeout", "60"]);
    const t2 = performance.now();
    const got = await middle(join(b.folder, "disk.img"));
    if (!got.every((v, i) => v === bytes[i])) throw new Error(`change ${k + 1} did not reach B`);
    const r = (ms: number) => Math.round(ms / 10) / 100;
    out.push({ total: r(t2 - t0), a: r(t1 - t0), b: r(t2 - t1) });
  }
  return out;
}

function load(): string {
  return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
}

try {
  const tree = Deno.env.get("TREE") ?? join(WORK, "tree");
  try {
    await Deno.stat(tree);
  } catch {
    await makeTree(tree);
  }
  for (let i = 0; i < RUNS; i++) {
    for (const main of MAINS) {
      const dir = join(WORK, `run${i}`);
      await Deno.mkdir(dir);
      const l0 = load();
      const r = await once(main, tree, dir);
      console.log(JSON.stringify({ run: i + 1, load: `${l0} → ${load()}`, ...r }));
      await Deno.remove(dir, { recursive: true });
      await run("sync", []);
    }
  }
} finally {
  await teardown.run();
  stopOnSignals();
}
