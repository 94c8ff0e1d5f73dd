/**
 * @module folder_bench
 * Synced folders, side by side in one run on 127.0.0.1: mycel (two real
 * devices, each with its `sync serve`), Debian's `syncthing` (two
 * instances, discovery, relays and NAT off, REST API) and `rsync -a` to a
 * loopback `rsync --daemon`.
 *
 * 1. Chunking + hashing in-process (FastCDC + BLAKE3, 256 MiB in memory).
 * 2. First sync of a 1 GiB mixed tree (one 512 MiB file, 5,000 files of
 *    1–200 KiB, four of 8 MiB): from "the files are in A's folder" to "they
 *    are all in B's" — mycel: `folder add` on A, then on B `sync now`,
 *    `folder join`, `sync now`; Syncthing: both started and connected
 *    before the timer (as mycel's `sync serve`s are), then the folder added
 *    on both through the REST API, until B reports it complete (before
 *    2026-12-06 both started inside the timer with the folder configured:
 *    its start and connection, about 1.5 s, counted against Syncthing — a
 *    review found the ratio was not like for like); rsync: one `rsync -a`.
 *    Peak RSS of the fetching side: VmHWM of each process of its tree (all
 *    threads' children), read from /proc every 50 ms and once more at the
 *    end (Syncthing is still running then; mycel's `sync now` has exited).
 *    Peak RSS of the serving side: A's VmHWM (mycel's `sync serve`,
 *    Syncthing's processes) read once the sync is complete — both alive, so
 *    the kernel's peak over their whole life.
 *    After every first sync, outside the timings, each tool's B must hold
 *    exactly the source tree (paths, sizes, SHA-256 of every file; each
 *    tool's own root entries left out), or the bench fails.
 * 3. 1 MiB overwritten in the middle of the 512 MiB file: time and bytes on
 *    the wire both ways (mycel: the kernel's counters of its two ports,
 *    {@link WireCounter}; Syncthing: its connection counters; rsync:
 *    --stats), CHANGES times (3; other bytes each time), each tool in turn,
 *    the median and every run said (once a sitting, 2.67 s and 4.57 s in
 *    two sittings went unexplained: one build repeats it 1.4–1.9× apart).
 *    Then each B must equal A's last changed tree, checked the same way.
 * 4. Re-scan with nothing changed, 20k and 100k small files: `mycel folder
 *    scan` (whole process) next to Syncthing's `POST /rest/db/scan`.
 *
 *     deno run -A bench/folder_bench.ts            # RUNS=3 first syncs each
 *     deno run -A bench/folder_bench.ts --quick    # smaller tree, 1 run, 20k only
 *
 * Needs `syncthing` and `rsync` (scripts/install_test_deps.sh), and root
 * and `nft` for mycel's bytes on the wire (checked before anything runs).
 * Ctrl-C or SIGTERM ends it without leaving its nft table, processes or
 * work folder behind (bench_teardown.ts).
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { chunkBytes } from "../src/files/content_chunker.ts";
import { DEFAULT_CHUNK_PARAMS } from "../src/files/chunk_params.ts";
import { denoRunArgs } from "../src/runtime_flags.ts";
import { freePort, listening } from "../tests/helpers/net.ts";
import { childEnv, MAIN_TS } from "../tests/helpers/mycel.ts";
import { Teardown } from "./bench_teardown.ts";
import { WireCounter } from "./wire_counter.ts";

const QUICK = Deno.args.includes("--quick");
const RUNS = QUICK ? 1 : Number(Deno.env.get("RUNS") ?? 3);
const CHANGES = Number(Deno.env.get("CHANGES") ?? (QUICK ? 1 : 3));
const MiB = 1 << 20;
const BIG = (QUICK ? 128 : 512) * MiB;
const SMALL_FILES = QUICK ? 1000 : 5000;
// Every process, nft table and folder the bench makes, undone at the end or
// on Ctrl-C / SIGTERM (bench_teardown.ts): before, a signal left them all.
const teardown = new Teardown();
const stopOnSignals = teardown.onSignals("folder_bench");
const WORK = await Deno.makeTempDir({ prefix: "mycel-folder-bench-" });
teardown.dir(WORK);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number) => (ms / 1000).toFixed(2);
const mib = (b: number) => (b / MiB).toFixed(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function uptime(): string {
  return new TextDecoder().decode(new Deno.Command("uptime").outputSync().stdout).trim();
}

/** Deterministic bytes (xorshift32 words). */
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

async function run(cmd: string, args: string[], env?: Record<string, string>) {
  const out = await teardown.spawn(
    new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }),
  ).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text}`);
  return text;
}

/** Children of `pid`, from every one of its threads: a child is listed under the thread that started it. */
async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  try {
    for await (const t of Deno.readDir(`/proc/${pid}/task`)) {
      const kids = (await Deno.readTextFile(`/proc/${pid}/task/${t.name}/children`).catch(() => ""))
        .trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    }
  } catch { /* gone */ }
  return out;
}

/**
 * Peak RSS of a process tree, the same way for every tool: every 50 ms while
 * `done` is pending, then once more (which only succeeds for processes still
 * alive: Syncthing's), walk the tree from `root` (all threads' children,
 * recursively) and keep each process's largest VmHWM — the kernel's own peak,
 * monotonic, so the last read of a process is a lower bound of its true peak
 * and at least its largest sampled VmRSS (kept too, for comparison).
 */
class TreePeak {
  /** pid → largest VmHWM and VmRSS read (bytes), and how many reads. */
  readonly procs = new Map<number, { hwm: number; rss: number; reads: number }>();
  constructor(readonly root: number) {}

  /** One pass over the tree; false once `root` can no longer be read. */
  async read(pid = this.root): Promise<boolean> {
    let status: string;
    try {
      status = await Deno.readTextFile(`/proc/${pid}/status`);
    } catch {
      return false;
    }
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status), rss = /VmRSS:\s+(\d+) kB/.exec(status);
    if (!hwm) return false; // a zombie: no memory left to read
    const p = this.procs.get(pid) ?? { hwm: 0, rss: 0, reads: 0 };
    p.hwm = Math.max(p.hwm, Number(hwm[1]) * 1024);
    p.rss = Math.max(p.rss, Number(rss?.[1] ?? 0) * 1024);
    p.reads++;
    this.procs.set(pid, p);
    for (const k of await childPids(pid)) await this.read(k);
    return true;
  }

  /** Peak of the tree's largest process (bytes): mycel's `sync now`, Syncthing's real process (not its monitor). */
  get largest(): number {
    return Math.max(0, ...[...this.procs.values()].map((p) => p.hwm));
  }

  /**
   * Sum of the peaks of the processes seen (bytes; Syncthing: monitor included): at least the
   * tree's peak over those, though a process that lived between two reads is missed.
   */
  get sum(): number {
    return [...this.procs.values()].reduce((s, p) => s + p.hwm, 0);
  }

  /** One line per process, for the console. */
  detail(): string {
    return [...this.procs].map(([pid, p]) =>
      `pid ${pid} VmHWM ${mib(p.hwm)} MiB (largest sampled VmRSS ${mib(p.rss)}, ${p.reads} reads)`
    ).join("; ");
  }
}

/** Samples the tree of `root` every 50 ms while `done` is pending, then once more. */
async function samplePeak(root: number, done: Promise<unknown>): Promise<TreePeak> {
  const t = new TreePeak(root);
  let over = false;
  done.finally(() => over = true).catch(() => {});
  while (!over && await t.read()) await sleep(50);
  await t.read();
  return t;
}

async function makeTree(root: string): Promise<number> {
  await Deno.mkdir(root, { recursive: true });
  let total = 0;
  const big = await Deno.open(join(root, "disk.img"), { write: true, create: true });
  for (let at = 0; at < BIG; at += 16 * MiB) await big.write(noise(16 * MiB, 1 + at / MiB));
  big.close();
  total += BIG;
  for (let i = 0; i < 4; i++) {
    await Deno.writeFile(join(root, `media-${i}.bin`), noise(8 * MiB, 1000 + i));
    total += 8 * MiB;
  }
  for (let i = 0; i < SMALL_FILES; i++) {
    const dir = join(root, `docs/d${i % 100}`);
    if (i < 100) await Deno.mkdir(dir, { recursive: true });
    const size = 1024 + ((i * 7919) % (199 * 1024));
    Deno.writeFileSync(join(dir, `f${i}.dat`), noise(size, 5000 + i));
    total += size;
    if (i % 500 === 499) await sleep(0); // Ctrl-C is taken between awaits only
  }
  return total;
}

/** The 16 bytes at the middle of the big file at `path` (undefined if it can't be read). */
async function middleBytes(path: string): Promise<Uint8Array | undefined> {
  try {
    using f = await Deno.open(path, { read: true });
    await f.seek(BIG / 2, Deno.SeekMode.Start);
    const out = new Uint8Array(16);
    let at = 0;
    while (at < out.length) {
      const n = await f.read(out.subarray(at));
      if (n === null) return undefined;
      at += n;
    }
    return out;
  } catch {
    return undefined;
  }
}

async function copyTree(from: string, to: string) {
  await run("cp", ["-a", from, to]);
  await settle();
}

/**
 * Writes every dirty page to disk before a timed step. The copy just made
 * (1 GiB) and the tool timed before it leave gigabytes for the kernel to
 * write back; without this, whichever tool is timed next pays for that
 * writeback in its own time, by how far it had got (the fetching step of
 * one build varied 4.9 to 8.0 s on a quiet machine, rsync 1.3 to 3.6 s).
 */
async function settle() {
  await run("sync", []);
}

// ---------------------------------------------------------------------------
// mycel

interface MycelDevice {
  home: string;
  folder: string;
  /** Where its `sync serve` listens: the endpoint it advertises. */
  port: number;
  server?: Deno.ChildProcess;
  id: string;
}

async function mycel(d: MycelDevice, args: string[]): Promise<string> {
  return await run(Deno.execPath(), [...denoRunArgs(MAIN_TS), ...args], childEnv({ home: d.home }));
}

function mycelProc(d: MycelDevice, args: string[]): Deno.ChildProcess {
  return teardown.spawn(
    new Deno.Command(Deno.execPath(), {
      args: [...denoRunArgs(MAIN_TS), ...args],
      env: childEnv({ home: d.home }),
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }),
  );
}

async function mycelDevice(name: string, dir: string): Promise<MycelDevice> {
  const d: MycelDevice = {
    home: join(dir, `${name}-home`),
    folder: join(dir, `${name}-folder`),
    port: freePort(),
    id: "",
  };
  await mycel(d, ["init", "--name", name, "--listen", `127.0.0.1:${d.port}`]);
  d.id = JSON.parse(await mycel(d, ["status", "--json"])).device.id;
  return d;
}

async function serve(d: MycelDevice) {
  d.server = mycelProc(d, [
    "sync",
    "serve",
    "--listen",
    `127.0.0.1:${d.port}`,
    "--timeout",
    "60",
  ]);
  await listening(d.port, "mycel sync serve", 10_000);
}

async function mycelPair(dir: string) {
  const a = await mycelDevice("a", dir), b = await mycelDevice("b", dir);
  const card = async (d: MycelDevice) => (await mycel(d, ["mesh", "card"])).trim();
  await mycel(a, ["--no-sync", "mesh", "add-peer", await card(b)]);
  await mycel(b, ["--no-sync", "mesh", "add-peer", await card(a)]);
  await serve(a);
  await serve(b);
  return { a, b };
}

async function stopMycel(...ds: MycelDevice[]) {
  for (const d of ds) {
    try {
      d.server?.kill("SIGTERM");
      await d.server?.status;
    } catch { /* gone */ }
  }
}

/** First sync with mycel: returns ms and the peak RSS of B's fetching `sync now`. */
async function mycelFirst(tree: string, dir: string) {
  const { a, b } = await mycelPair(dir);
  await copyTree(tree, a.folder);
  const t0 = performance.now();
  const steps: number[] = [];
  const lap = () => steps.push(performance.now() - t0 - steps.reduce((x, y) => x + y, 0));
  await mycel(a, ["--no-sync", "folder", "add", a.folder, "--id", "bench"]);
  lap();
  await mycel(b, ["sync", "now", "--timeout", "60"]);
  lap();
  await mycel(b, ["--no-sync", "folder", "join", "bench", b.folder]);
  lap();
  const p = mycelProc(b, ["sync", "now", "--timeout", "60"]);
  const status = p.status;
  const peak = await samplePeak(p.pid, status);
  const out = await p.output();
  const ms = performance.now() - t0;
  lap();
  if (!(await status).success) {
    throw new Error(new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr));
  }
  console.log(`    mycel steps (add, sync, join, sync): ${steps.map((x) => secs(x)).join(", ")} s`);
  // The serving side: A's `sync serve`, alive since before the add; its
  // VmHWM is the kernel's peak over its whole life, this sync's serving included.
  const serving = new TreePeak(a.server!.pid);
  await serving.read();
  return { ms, peak, serving, a, b };
}

// ---------------------------------------------------------------------------
// Syncthing

interface St {
  home: string;
  folder: string;
  gui: number;
  listen: number;
  key: string;
  id: string;
  proc?: Deno.ChildProcess;
}

async function stInit(name: string, dir: string): Promise<St> {
  const home = join(dir, `st-${name}`);
  await run("syncthing", ["generate", `--home=${home}`, "--no-default-folder"]);
  const id = (await run("syncthing", ["serve", `--home=${home}`, "--device-id"])).trim().split("\n")
    .pop()!.trim();
  return {
    home,
    folder: join(dir, `st-${name}-folder`),
    gui: freePort(),
    listen: freePort(),
    key: crypto.randomUUID().replaceAll("-", ""),
    id,
  };
}

async function stConfig(me: St, other: St, folders: { id: string; path: string }[]) {
  const devices = [me, other].map((d) =>
    `<device id="${d.id}" name="${
      d === me ? "self" : "peer"
    }" compression="metadata" introducer="false">` +
    `<address>tcp://127.0.0.1:${d.listen}</address></device>`
  ).join("\n");
  const folderXml = folders.map((f) =>
    `<folder id="${f.id}" label="${f.id}" path="${f.path}" type="sendreceive" rescanIntervalS="3600" fsWatcherEnabled="false">` +
    `<device id="${me.id}"></device><device id="${other.id}"></device>` +
    `<minDiskFree unit="%">0</minDiskFree></folder>`
  ).join("\n");
  const xml = `<configuration version="36">
${folderXml}
${devices}
<gui enabled="true" tls="false"><address>127.0.0.1:${me.gui}</address><apikey>${me.key}</apikey></gui>
<options>
<listenAddress>tcp://127.0.0.1:${me.listen}</listenAddress>
<globalAnnounceEnabled>false</globalAnnounceEnabled><localAnnounceEnabled>false</localAnnounceEnabled>
<relaysEnabled>false</relaysEnabled><natEnabled>false</natEnabled><urAccepted>-1</urAccepted>
<crashReportingEnabled>false</crashReportingEnabled><startBrowser>false</startBrowser>
<autoUpgradeIntervalH>0</autoUpgradeIntervalH><setLowPriority>false</setLowPriority>
<minHomeDiskFree unit="%">0</minHomeDiskFree>
</options>
</configuration>`;
  await Deno.writeTextFile(join(me.home, "config.xml"), xml);
  for (const f of folders) await Deno.mkdir(join(f.path, ".stfolder"), { recursive: true });
}

function stStart(s: St) {
  s.proc = teardown.spawn(
    new Deno.Command("syncthing", {
      args: [
        "serve",
        `--home=${s.home}`,
        "--no-browser",
        "--no-restart",
        `--logfile=${s.home}/log.txt`,
      ],
      env: { STNODEFAULTFOLDER: "1", STNOUPGRADE: "1", HOME: s.home },
      stdout: "null",
      stderr: "null",
    }),
  );
}

async function stApi<T>(s: St, path: string, method = "GET", body?: unknown): Promise<T> {
  for (let i = 0;; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${s.gui}${path}`, {
        method,
        headers: { "X-API-Key": s.key, "Content-Type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
      const text = await r.text();
      return (text ? JSON.parse(text) : {}) as T;
    } catch (e) {
      if (i > 600) throw e;
      await sleep(100);
    }
  }
}

interface DbStatus {
  globalFiles: number;
  globalBytes: number;
  needFiles: number;
  needBytes: number;
  inSyncFiles: number;
  state: string;
}

async function stWaitComplete(b: St, folder: string, files: number, bytes: number) {
  for (;;) {
    const s = await stApi<DbStatus>(b, `/rest/db/status?folder=${folder}`);
    if (
      s.globalFiles >= files && s.globalBytes >= bytes && s.needFiles === 0 && s.state === "idle"
    ) return;
    await sleep(100);
  }
}

async function stStop(...ss: St[]) {
  for (const s of ss) {
    try {
      s.proc?.kill("SIGTERM");
      await s.proc?.status;
    } catch { /* gone */ }
  }
}

/** Wait until `a` reports a live connection to `b`. */
async function stConnected(a: St, b: St) {
  for (;;) {
    const c = await stApi<{ connections: Record<string, { connected: boolean }> }>(
      a,
      "/rest/system/connections",
    );
    if (c.connections[b.id]?.connected) return;
    await sleep(50);
  }
}

/** Add folder `id` at `path` to `me`, shared with `other` (as stConfig writes it). */
async function stAddFolder(me: St, other: St, id: string, path: string) {
  await stApi(me, "/rest/config/folders", "POST", {
    id,
    label: id,
    path,
    type: "sendreceive",
    rescanIntervalS: 3600,
    fsWatcherEnabled: false,
    minDiskFree: { value: 0, unit: "%" },
    devices: [{ deviceID: me.id }, { deviceID: other.id }],
  });
}

async function stFirst(tree: string, dir: string, files: number, bytes: number) {
  const a = await stInit("a", dir), b = await stInit("b", dir);
  await copyTree(tree, a.folder);
  await Deno.mkdir(b.folder, { recursive: true });
  // Started and connected first, with no folder: like mycel's servers, up
  // before the timer. Markers made now, as stConfig makes them.
  await stConfig(a, b, []);
  await stConfig(b, a, []);
  for (const f of [a.folder, b.folder]) await Deno.mkdir(join(f, ".stfolder"), { recursive: true });
  stStart(a);
  stStart(b);
  await stConnected(a, b);
  await stConnected(b, a);
  const t0 = performance.now();
  await stAddFolder(a, b, "bench", a.folder);
  await stAddFolder(b, a, "bench", b.folder);
  const complete = stWaitComplete(b, "bench", files, bytes);
  const peak = samplePeak(b.proc!.pid, complete);
  await complete;
  const ms = performance.now() - t0;
  // The serving side: A's Syncthing (monitor and child), alive throughout.
  const serving = new TreePeak(a.proc!.pid);
  await serving.read();
  return { ms, peak: await peak, serving, a, b };
}

async function stBytes(s: St): Promise<number> {
  const c = await stApi<{ total: { inBytesTotal: number; outBytesTotal: number } }>(
    s,
    "/rest/system/connections",
  );
  return c.total.inBytesTotal + c.total.outBytesTotal;
}

// ---------------------------------------------------------------------------
// rsync

async function rsyncDaemon(dir: string, dest: string) {
  const port = freePort();
  await Deno.mkdir(dest, { recursive: true });
  const conf = join(dir, "rsyncd.conf");
  await Deno.writeTextFile(
    conf,
    `use chroot = no\nuid = root\ngid = root\n[m]\npath = ${dest}\nread only = false\n`,
  );
  const p = teardown.spawn(
    new Deno.Command("rsync", {
      args: [
        "--daemon",
        "--no-detach",
        `--config=${conf}`,
        `--port=${port}`,
        "--address=127.0.0.1",
      ],
      stdout: "null",
      stderr: "null",
    }),
  );
  await listening(port, "rsync --daemon", 5_000);
  return { port, proc: p };
}

async function rsyncOnce(src: string, port: number) {
  await settle();
  const t0 = performance.now();
  const out = await run("rsync", ["-a", "--stats", `${src}/`, `rsync://127.0.0.1:${port}/m/`]);
  const ms = performance.now() - t0;
  const sent = Number(/Total bytes sent: ([\d,]+)/.exec(out)![1].replaceAll(",", ""));
  const received = Number(/Total bytes received: ([\d,]+)/.exec(out)![1].replaceAll(",", ""));
  return { ms, bytes: sent + received };
}

// ---------------------------------------------------------------------------
// checks (never inside a timed section)

/** SHA-256 of a file's content, read 4 MiB at a time (node:crypto: independent of mycel's BLAKE3). */
async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  const f = await Deno.open(path);
  try {
    const buf = new Uint8Array(4 * MiB);
    for (let n = await f.read(buf); n !== null; n = await f.read(buf)) h.update(buf.subarray(0, n));
  } finally {
    f.close();
  }
  return h.digest("hex");
}

/** Every entry under `root` but the root names in `skip`: relative path → "dir", or "size sha256". */
async function listing(root: string, skip: readonly string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? join(root, rel) : root)) {
      if (!rel && skip.includes(e.name)) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        out.set(p, "dir");
        await walk(p);
      } else if (e.isFile) {
        out.set(p, `${(await Deno.stat(join(root, p))).size} ${await sha256File(join(root, p))}`);
      } else out.set(p, e.isSymlink ? "symlink" : "other");
    }
  };
  await walk("");
  return out;
}

/** SHA-256 of a listing's sorted lines: one value for the output. */
function listingDigest(l: Map<string, string>): string {
  const lines = [...l].map(([p, v]) => `${p}\t${v}\n`).sort();
  return createHash("sha256").update(lines.join("")).digest("hex").slice(0, 16);
}

/** Throws (the bench fails) unless `root` holds exactly `want` (paths, kinds, sizes, contents). */
async function checkTree(what: string, want: Map<string, string>, root: string, skip: string[]) {
  const got = await listing(root, skip);
  const diffs: string[] = [];
  for (const [p, v] of want) if (got.get(p) !== v) diffs.push(`${p}: ${got.get(p) ?? "missing"}`);
  for (const p of got.keys()) if (!want.has(p)) diffs.push(`${p}: not in A's tree`);
  if (diffs.length > 0) {
    throw new Error(
      `CHECK FAILED: ${what}: ${root} differs from A's tree in ${diffs.length} entries, e.g. ${
        diffs.slice(0, 5).join("; ")
      }`,
    );
  }
}

/** Root entries each tool keeps for itself in a synced folder (left out of the comparison). */
const MYCEL_OWN = [".mycel", ".mycel-folder"], ST_OWN = [".stfolder"];

// ---------------------------------------------------------------------------

/** Change `k`'s MiB (seeds two apart: noise() sets the low bit, so 4242 and 4243 are the same bytes). */
async function changeMiddle(path: string, k: number) {
  const f = await Deno.open(path, { write: true });
  await f.seek(BIG / 2, Deno.SeekMode.Start);
  await f.write(noise(MiB, 4242 + 2 * k));
  f.close();
}

async function main() {
  const report: string[] = [];
  const say = (line: string) => {
    console.log(line);
    report.push(line);
  };
  say(`# folder_bench ${new Date().toISOString()}  (${QUICK ? "quick" : `RUNS=${RUNS}`})`);
  say(`load before: ${uptime()}`);
  say(
    `deno ${Deno.version.deno}; ${await run("syncthing", ["--version"]).catch(() => "syncthing ?")}`
      .trim(),
  );
  say(`${(await run("rsync", ["--version"])).split("\n")[0]}`);
  // No root or nft: said now, not after the runs.
  await (await WireCounter.open([], teardown)).close();

  // 1. chunking + hashing
  const data = noise(256 * MiB, 99);
  const rates: number[] = [];
  await chunkBytes(data.subarray(0, 16 * MiB), DEFAULT_CHUNK_PARAMS, 7n);
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await chunkBytes(data, DEFAULT_CHUNK_PARAMS, 7n);
    rates.push((256 * MiB) / ((performance.now() - t0) / 1000) / 1e6);
  }
  say(
    `chunking + BLAKE3 in-process (256 MiB, 5 runs): median ${
      median(rates).toFixed(0)
    } MB/s (best ${Math.max(...rates).toFixed(0)})`,
  );

  // 2. first sync of the mixed tree
  const tree = join(WORK, "tree");
  const bytes = await makeTree(tree);
  const files = 1 + 4 + SMALL_FILES;
  say(`tree: ${files} files, ${mib(bytes)} MiB`);
  const want = await listing(tree);
  const m: number[] = [], s: number[] = [], r: number[] = [];
  const mPeak: TreePeak[] = [], sPeak: TreePeak[] = [];
  const mServe: TreePeak[] = [], sServe: TreePeak[] = [];
  let keepM: Awaited<ReturnType<typeof mycelFirst>> | undefined;
  let keepS: Awaited<ReturnType<typeof stFirst>> | undefined;
  let keepR: { port: number; src: string; dest: string; proc: Deno.ChildProcess } | undefined;
  for (let i = 0; i < RUNS; i++) {
    const last = i === RUNS - 1;
    const dm = join(WORK, `m${i}`), ds = join(WORK, `s${i}`), dr = join(WORK, `r${i}`);
    await Deno.mkdir(dm);
    await Deno.mkdir(ds);
    await Deno.mkdir(dr);
    const mm = await mycelFirst(tree, dm);
    m.push(mm.ms);
    mPeak.push(mm.peak);
    mServe.push(mm.serving);
    if (last) keepM = mm;
    else await stopMycel(mm.a, mm.b);
    const ss = await stFirst(tree, ds, files, bytes);
    s.push(ss.ms);
    sPeak.push(ss.peak);
    sServe.push(ss.serving);
    if (last) keepS = ss;
    else await stStop(ss.a, ss.b);
    const src = join(dr, "src");
    await copyTree(tree, src);
    const dest = join(dr, "dest");
    const d = await rsyncDaemon(dr, dest);
    r.push((await rsyncOnce(src, d.port)).ms);
    if (last) keepR = { port: d.port, src, dest, proc: d.proc };
    else {
      d.proc.kill("SIGTERM");
      await d.proc.status;
    }
    say(
      `  run ${i + 1}: mycel ${secs(mm.ms)} s, syncthing ${secs(ss.ms)} s, rsync ${
        secs(r[i])
      } s; load ${uptime().replace(/.*load average: /, "")}`,
    );
    console.log(`    peak RSS, mycel's fetching sync now: ${mm.peak.detail()}`);
    console.log(`    peak RSS, Syncthing B (monitor, then its child): ${ss.peak.detail()}`);
    await checkTree(`mycel, first sync, run ${i + 1}`, want, mm.b.folder, MYCEL_OWN);
    await checkTree(`syncthing, first sync, run ${i + 1}`, want, ss.b.folder, ST_OWN);
    await checkTree(`rsync, first sync, run ${i + 1}`, want, dest, []);
    // Every run starts as the first did: without the gigabytes the runs
    // before it left on disk and in the page cache. Kept, they slowed every
    // later run (mycel's fetching step 5.3 s in run 1, 7.7-7.9 s in runs 2-3;
    // rsync 1.0 then 3.4 s), and not every tool alike.
    if (!last) {
      for (const d of [dm, ds, dr]) await Deno.remove(d, { recursive: true });
      await settle();
    }
  }
  say(
    `first sync (median of ${RUNS}): mycel ${secs(median(m))} s, syncthing ${
      secs(median(s))
    } s, rsync ${secs(median(r))} s`,
  );
  say(
    `  ratio mycel/syncthing ${(median(m) / median(s)).toFixed(2)} (target ≤ 1.0), mycel/rsync ${
      (median(m) / median(r)).toFixed(2)
    } (target ≤ 1.25)`,
  );
  say(
    `  peak RSS of the fetching side (VmHWM of its largest process, from /proc every 50 ms and at the end): mycel ${
      mib(median(mPeak.map((t) => t.largest)))
    } MiB (target ≤ 190.7 MiB = 200 MB), syncthing ${
      mib(median(sPeak.map((t) => t.largest)))
    } MiB; sum over each tool's processes: mycel ${
      mib(median(mPeak.map((t) => t.sum)))
    } MiB, syncthing ${mib(median(sPeak.map((t) => t.sum)))} MiB (its monitor included)`,
  );
  say(
    `  peak RSS of the serving side (VmHWM of A's largest process at the end of the sync): mycel ${
      mib(median(mServe.map((t) => t.largest)))
    } MiB (target ≤ 190.7 MiB), syncthing ${mib(median(sServe.map((t) => t.largest)))} MiB`,
  );
  say(
    `  check after every first sync: B's tree equals the source for mycel, syncthing and rsync (${want.size} entries: paths, sizes, SHA-256 of contents; listing ${
      listingDigest(want)
    })`,
  );

  // 3. 1 MiB changed in the middle of the big file
  {
    const { a, b } = keepM!;
    const st = keepS!;
    const counter = await WireCounter.open([a.port, b.port], teardown);
    const mc: number[] = [], mw: number[] = [], sc: number[] = [], sw: number[] = [];
    const rc: number[] = [], rw: number[] = [];
    for (let k = 0; k < CHANGES; k++) {
      await counter.zero();
      await changeMiddle(join(a.folder, "disk.img"), k);
      await settle();
      const t0 = performance.now();
      await mycel(a, ["sync", "now", "--timeout", "60"]);
      await mycel(b, ["sync", "now", "--timeout", "60"]);
      mc.push(performance.now() - t0);
      mw.push(await counter.total());
      const before = await stBytes(st.a);
      await changeMiddle(join(st.a.folder, "disk.img"), k);
      await settle();
      const s0 = performance.now();
      await stApi(st.a, "/rest/db/scan?folder=bench", "POST");
      for (;;) {
        const x = await stApi<DbStatus & { inSyncBytes: number }>(
          st.b,
          "/rest/db/status?folder=bench",
        );
        // 16 bytes where the change is, not the whole 512 MiB file every 100 ms (that
        // competed with Syncthing for the CPU and inflated its time).
        const midB = await middleBytes(join(st.b.folder, "disk.img"));
        if (x.needFiles === 0 && x.state === "idle" && midB !== undefined) {
          const midA = await middleBytes(join(st.a.folder, "disk.img"));
          if (midA !== undefined && midA.every((v, i) => v === midB[i])) break;
        }
        await sleep(100);
      }
      sc.push(performance.now() - s0);
      sw.push((await stBytes(st.a)) - before);
      await changeMiddle(join(keepR!.src, "disk.img"), k);
      const rr = await rsyncOnce(keepR!.src, keepR!.port);
      rc.push(rr.ms);
      rw.push(rr.bytes);
    }
    const runs = (xs: number[]) => CHANGES > 1 ? ` (${xs.map(secs).join(" ")})` : "";
    say(`1 MiB changed in the middle of the ${BIG / MiB} MiB file (median of ${CHANGES}):`);
    say(
      `  mycel ${secs(median(mc))} s${runs(mc)}, ${
        mib(median(mw))
      } MiB on the wire (target ≤ 3 MiB; most ${mib(Math.max(...mw))}); syncthing ${
        secs(median(sc))
      } s${runs(sc)}, ${mib(median(sw))} MiB; rsync ${secs(median(rc))} s${runs(rc)}, ${
        mib(median(rw))
      } MiB; load ${uptime().replace(/.*load average: /, "")}`,
    );
    const changed = new Map(want);
    changed.set("disk.img", `${BIG} ${await sha256File(join(a.folder, "disk.img"))}`);
    for (const other of [join(st.a.folder, "disk.img"), join(keepR!.src, "disk.img")]) {
      if (`${BIG} ${await sha256File(other)}` !== changed.get("disk.img")) {
        throw new Error(`CHECK FAILED: ${other} is not the same change as mycel A's disk.img`);
      }
    }
    if (changed.get("disk.img") === want.get("disk.img")) {
      throw new Error("CHECK FAILED: changing 1 MiB left disk.img as it was");
    }
    await checkTree("mycel, after the 1 MiB change", changed, b.folder, MYCEL_OWN);
    await checkTree("syncthing, after the 1 MiB change", changed, st.b.folder, ST_OWN);
    await checkTree("rsync, after the 1 MiB change", changed, keepR!.dest, []);
    say(
      `  check: B's tree equals A's changed one for mycel, syncthing and rsync (disk.img's SHA-256 ${
        changed.get("disk.img")!.split(" ")[1].slice(0, 16)
      }, the rest as before)`,
    );
    await stopMycel(a, b);
    await stStop(st.a, st.b);
    keepR!.proc.kill("SIGTERM");
    await keepR!.proc.status;
  }

  // 4. re-scan with nothing changed
  for (const n of QUICK ? [20_000] : [20_000, 100_000]) {
    const dir = join(WORK, `scan${n}`);
    await Deno.mkdir(dir);
    const src = join(dir, "tree");
    for (let i = 0; i < n; i++) {
      const d = join(src, `d${i % 500}`);
      if (i < 500) await Deno.mkdir(d, { recursive: true });
      Deno.writeFileSync(join(d, `f${i}.txt`), noise(1024 + (i % 3072), i));
      if (i % 1000 === 999) await sleep(0); // Ctrl-C is taken between awaits only
    }
    const { a, b } = await mycelPair(dir);
    await Deno.rename(src, a.folder);
    await mycel(a, ["--no-sync", "folder", "add", a.folder, "--id", "scan"]);
    const mt: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await mycel(a, ["folder", "scan", "scan"]);
      mt.push(performance.now() - t0);
    }
    await stopMycel(a, b);
    const sa = await stInit("a", dir), sb = await stInit("b", dir);
    await stConfig(sa, sb, [{ id: "scan", path: a.folder }]);
    await Deno.mkdir(sb.folder, { recursive: true });
    await stConfig(sb, sa, [{ id: "scan", path: sb.folder }]);
    stStart(sa);
    for (;;) {
      const x = await stApi<DbStatus & { localFiles: number }>(sa, "/rest/db/status?folder=scan");
      if (x.localFiles >= n && x.state === "idle") break;
      await sleep(200);
    }
    const stt: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await stApi(sa, "/rest/db/scan?folder=scan", "POST");
      for (;;) {
        const x = await stApi<DbStatus>(sa, "/rest/db/status?folder=scan");
        if (x.state === "idle") break;
        await sleep(20);
      }
      stt.push(performance.now() - t0);
    }
    await stStop(sa, sb);
    say(
      `re-scan, nothing changed, ${n} files (median of 5): mycel folder scan ${
        secs(median(mt))
      } s (whole process), syncthing ${secs(median(stt))} s; ratio ${
        (median(mt) / median(stt)).toFixed(2)
      }`,
    );
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  say(`load after: ${uptime()}`);
  await Deno.writeTextFile(join(Deno.cwd(), "bench-folder-results.txt"), report.join("\n") + "\n");
}

try {
  await main();
} catch (e) {
  // Killed under it by a signal's teardown: that ends the process (130 or 143).
  if (!teardown.stopping) throw e;
} finally {
  // Still counting, still serving, the work folder: all of it goes (as on a signal).
  await teardown.run();
  stopOnSignals();
}
