/**
 * @module replication_bench
 * Issue 11: what replication costs as the home grows, side by side in one
 * run. Homes are built by make_home.ts (3 devices, round-robin `pref.set`
 * entries over 1,000 keys), cached, and copied for each run.
 *
 * 1. A new device: a fresh, peered home runs `mycel sync now` against a
 *    home of N entries (default 10k and 1M) answering with `sync serve
 *    --listen` behind a counting TCP proxy. Reported: wall time of the whole
 *    `sync now` process, peak RSS of both processes, bytes both ways. Next to
 *    it, the same by pairing (`pair` on the home, `pair CODE --peer` on the
 *    new one, through the proxy). Next to it, Yjs (the exact devDependency version) on the same workload — N map
 *    writes over the same keys from 3 clients that see each other's writes —
 *    and the size of `Y.encodeStateAsUpdate` (what a new Yjs peer receives).
 *    Targets (1M): ≤ 2 s, ≤ 150 MB on both sides, bytes ≤ Yjs's update.
 * 2. One new entry: on a home of 10k and one of 1M entries, each with a
 *    peer that is up to date, `pref set` then `sync now` (the home pushes
 *    its one new entry), and a `sync now` with nothing new; rounds
 *    alternate between the sizes. Target: ratio 1M / 10k ≤ 1.2.
 * 3. Ingest of a 100,000-entry delta in-process (`Home.ingestStream`, 1,024
 *    entries per push as a session stores them, in the order a sender
 *    sends them) into a home that already holds the
 *    100,000 entries before them. Target: ≥ 80,000 entries/s.
 *
 *     deno run -A bench/replication_bench.ts
 *     deno run -A bench/replication_bench.ts --sizes 10000,100000 --reps 3 --rounds 10
 *     deno run -A bench/replication_bench.ts --only ingest
 *
 * `sync now` with nothing new on small homes (target ≤ 120 ms, one peer) is
 * bench/sync_now_bench.sh. (`deno bench` ignores this file.)
 */

import process from "node:process";
import { parseArgs } from "node:util";
import * as Y from "yjs";
import type { DeviceKey } from "../src/log/device_key.ts";
import { decodeSignedEntry } from "../src/log/entry.ts";
import { interleave } from "../src/protocol/sync_plan.ts";
import { Home } from "../src/storage/home_handle.ts";
import { copyHome, CountingProxy, fmt, load, machine, mb, median, timed } from "./bench_helpers.ts";
import {
  cachedHome,
  CHILD_ENV,
  freePort,
  freshPeer,
  MYCEL,
  mycel,
  serve,
  spawnMycel,
  workHome,
} from "./bench_homes.ts";
import { appendEntries, createBenchMesh, signedBatches } from "./make_home.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    cache: { type: "string", default: `${Deno.env.get("TMPDIR") ?? "/tmp"}/mycel-bench-homes` },
    sizes: { type: "string", default: "10000,1000000" },
    reps: { type: "string", default: "3" },
    rounds: { type: "string", default: "10" },
    delta: { type: "string", default: "100000" },
    only: { type: "string", default: "new,round,ingest" },
  },
});
const SIZES = values.sizes.split(",").map(Number);
const REPS = Number(values.reps);
const ROUNDS = Number(values.rounds);
const DELTA = Number(values.delta);
const ONLY = new Set(values.only.split(","));
const KEYS = 1000;

const work = await Deno.makeTempDir({ prefix: "mycel-replication-bench-" });

/** Yjs on make_home's workload: write i sets `k(i mod keys)` to `v<i>` as client (i mod 3). */
function yjsUpdate(writes: number, keys: number, clients = 3) {
  const t0 = performance.now();
  const doc = new Y.Doc();
  const map = doc.getMap<string>("prefs");
  for (let i = 0; i < writes; i++) {
    // One document whose client id changes: three replicas that see every
    // write before the next (the same history as make_home's devices).
    doc.clientID = 1 + (i % clients);
    doc.transact(() => map.set(`k${i % keys}`, `v${i}`));
  }
  const v1 = Y.encodeStateAsUpdate(doc).byteLength;
  const v2 = Y.encodeStateAsUpdateV2(doc).byteLength;
  return { v1, v2, ms: performance.now() - t0 };
}

async function newDevice() {
  console.log(`\n## A new device syncs with a home of N entries (${REPS} repetitions)\n`);
  console.log(`before: ${machine()}`);
  const rows: string[] = [];
  for (const n of SIZES) {
    const h = await workHome(
      await cachedHome(values.cache, { entries: n, keys: KEYS }),
      `${work}/nd${n}`,
    );
    const proxyPort = freePort();
    type Run = { ms: number; rss: number; serverRss: number; up: number; down: number };
    const runs: Run[] = [], joins: Run[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const f = `${work}/nd${n}-fresh${rep}`;
      await freshPeer(f, freePort(), h, `127.0.0.1:${proxyPort}`);
      const serverPort = freePort();
      const server = await serve(h, serverPort);
      const proxy = new CountingProxy(proxyPort, serverPort);
      const r = await timed([...MYCEL, "--home", f, "sync", "now", "--json"], { env: CHILD_ENV });
      const flow = await proxy.last();
      const serverRss = await server.peakRss();
      await server.stop();
      await proxy.close();
      const line = (JSON.parse(r.stdout) as { name: string; status: string }[])
        .find((l) => l.name === "d0");
      if (line?.status !== "synced") throw new Error(`the new device did not sync: ${r.stdout}`);
      runs.push({ ms: r.ms, rss: r.rss, serverRss, up: flow.up, down: flow.down });
      await Deno.remove(f, { recursive: true });
    }
    // The same by pairing: `pair` on the home shows a code, a new home joins with it.
    for (let rep = 0; rep < REPS; rep++) {
      const f = `${work}/nd${n}-joiner${rep}`;
      const pairPort = freePort(), proxyPort = freePort();
      const inviter = spawnMycel(h, ["pair", "--listen", `127.0.0.1:${pairPort}`, "--ttl", "2m"]);
      const code = (await inviter.waitFor(/Pairing code: (MYCEL-[0-9A-Z-]+)/))[1];
      await inviter.waitFor(/Waiting for one device/);
      const proxy = new CountingProxy(proxyPort, pairPort);
      const j = await timed(
        [
          ...MYCEL,
          "--home",
          f,
          "pair",
          code,
          "--name",
          `joiner${rep}`,
          "--peer",
          `127.0.0.1:${proxyPort}`,
        ],
        { env: CHILD_ENV },
      );
      const flow = await proxy.last();
      await proxy.close();
      const inviterCode = await inviter.exit();
      if (j.code !== 0 || inviterCode !== 0) {
        throw new Error(`pairing failed: ${j.stderr}\n${inviter.output().stderr}`);
      }
      joins.push({
        ms: j.ms,
        rss: j.rss,
        serverRss: inviter.peakRss(),
        up: flow.up,
        down: flow.down,
      });
      await Deno.remove(f, { recursive: true });
    }
    const m = (k: keyof typeof runs[0]) => median(runs.map((x) => x[k]));
    const mj = (k: keyof typeof runs[0]) => median(joins.map((x) => x[k]));
    const y = yjsUpdate(n, KEYS);
    const bytes = m("up") + m("down");
    const joinBytes = mj("up") + mj("down");
    rows.push(
      `| ${fmt(n)} | \`sync now\` | ${(m("ms") / 1000).toFixed(2)} s | ${mb(m("rss"))} MB | ${
        mb(m("serverRss"))
      } MB | ${fmt(m("down"))} + ${fmt(m("up"))} | ${fmt(y.v1)} (v2 ${fmt(y.v2)}) | ${
        (bytes / y.v1).toFixed(3)
      } |`,
      `| ${fmt(n)} | \`pair CODE\` | ${(mj("ms") / 1000).toFixed(2)} s | ${mb(mj("rss"))} MB | ${
        mb(mj("serverRss"))
      } MB | ${fmt(mj("down"))} + ${fmt(mj("up"))} | ${fmt(y.v1)} | ${
        (joinBytes / y.v1).toFixed(3)
      } |`,
    );
    console.log(
      `  ${fmt(n)} entries: sync now ${runs.map((x) => x.ms.toFixed(0)).join(", ")} ms; ` +
        `pair ${joins.map((x) => x.ms.toFixed(0)).join(", ")} ms; Yjs built in ${
          (y.ms / 1000).toFixed(1)
        } s`,
    );
  }
  console.log(`after: load average ${load()}\n`);
  console.log(
    "| entries | new device runs | whole process | its peak RSS | the home's peak RSS (`sync serve` / `pair`) | bytes down + up | Yjs update, bytes | mycel / Yjs v1 |",
  );
  console.log("| --: | --- | --: | --: | --: | --: | --: | --: |");
  for (const r of rows) console.log(r);
}

async function oneEntry() {
  console.log(`\n## One new entry, and nothing new (${ROUNDS} rounds each, alternating sizes)\n`);
  const pairs = new Map<number, { h: string; stop: () => Promise<string> }>();
  for (const n of SIZES) {
    const h = await workHome(
      await cachedHome(values.cache, { entries: n, keys: KEYS }),
      `${work}/r${n}`,
    );
    const ph = freePort(), pf = freePort();
    const f = `${work}/r${n}-peer`;
    await freshPeer(f, pf, h, `127.0.0.1:${ph}`);
    const hs = await serve(h, ph);
    await mycel(f, ["sync", "now"], [0, 3]); // the peer starts from a checkpoint
    await hs.stop();
    const fs = await serve(f, pf);
    await mycel(h, ["sync", "now"], [0, 3]);
    pairs.set(n, { h, stop: fs.stop });
  }
  console.log(`before: ${machine()}`);
  const one = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const idle = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  for (let i = 0; i < ROUNDS; i++) {
    for (const n of i % 2 ? [...SIZES].reverse() : SIZES) {
      const { h } = pairs.get(n)!;
      await mycel(h, ["--no-sync", "pref", "set", "round", `r${i}`]);
      const r = await timed([...MYCEL, "--home", h, "sync", "now", "--json"], { env: CHILD_ENV });
      const peer = (JSON.parse(r.stdout) as { name: string; status: string; sent: number }[])
        .find((l) => l.name.startsWith("fresh"));
      if (peer?.status !== "synced" || peer.sent !== 1) {
        throw new Error(`expected one entry sent: ${r.stdout}`);
      }
      one.get(n)!.push(r.ms);
      const q = await timed([...MYCEL, "--home", h, "sync", "now"], { env: CHILD_ENV });
      if (q.code !== 3 && q.code !== 0) throw new Error(`idle round failed: ${q.stderr}`);
      idle.get(n)!.push(q.ms);
    }
  }
  console.log(`after: load average ${load()}\n`);
  for (const { stop } of pairs.values()) await stop();
  console.log("| entries | one new entry: `sync now` | nothing new: `sync now` |");
  console.log("| --: | --: | --: |");
  for (const n of SIZES) {
    console.log(
      `| ${fmt(n)} | ${median(one.get(n)!).toFixed(0)} ms | ${
        median(idle.get(n)!).toFixed(0)
      } ms |`,
    );
  }
  const [a, b] = [SIZES[0], SIZES[SIZES.length - 1]];
  const ratio = median(one.get(b)!) / median(one.get(a)!);
  console.log(
    `\none new entry, ratio ${fmt(b)} / ${fmt(a)} (medians) = ${ratio.toFixed(2)} (target ≤ 1.2: ${
      ratio <= 1.2 ? "met" : "MISSED"
    })`,
  );
}

async function ingest() {
  console.log(`\n## Ingest of a ${fmt(DELTA)}-entry delta (in-process, ${REPS} repetitions)\n`);
  const base = `${work}/ingest-base`;
  const mesh = await createBenchMesh(base, 3);
  const home = await Home.open(base, { write: true });
  await appendEntries(mesh, home, DELTA, KEYS);
  home.close();
  const byAuthor = new Map<DeviceKey, Uint8Array[]>();
  for await (const batch of signedBatches(mesh, DELTA, KEYS)) {
    for (const raw of batch) {
      const author = decodeSignedEntry(raw).entry.author;
      let list = byAuthor.get(author);
      if (list === undefined) byAuthor.set(author, list = []);
      list.push(raw);
    }
  }
  // In the order a sender sends them (src/sync/exchange.ts).
  const raws: Uint8Array[] = [];
  const ranges = [...byAuthor].map(([author, list]) => ({ author, after: 0, upTo: list.length }));
  for (const r of interleave(ranges)) raws.push(...byAuthor.get(r.author)!.slice(r.after, r.upTo));
  console.log(`before: ${machine()}`);
  const times: number[] = [];
  const cpus: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const to = `${work}/ingest-${rep}`;
    await copyHome(base, to);
    const h = await Home.open(to, { write: true });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const stream = h.ingestStream();
    for (let i = 0; i < raws.length; i += 1024) await stream.push(raws.slice(i, i + 1024));
    const result = await stream.finish();
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    cpus.push((cpu.user + cpu.system) / 1e6);
    h.close();
    if (result.accepted !== DELTA) throw new Error(`accepted ${result.accepted} of ${DELTA}`);
    times.push(s);
    await Deno.remove(to, { recursive: true });
  }
  console.log(`after: load average ${load()}\n`);
  const s = median(times), c = median(cpus);
  console.log(
    `ingested ${fmt(DELTA)} entries on top of ${fmt(DELTA)}: median ${s.toFixed(2)} s = ${
      fmt(DELTA / s)
    } entries/s (runs ${times.map((t) => t.toFixed(2)).join(", ")} s); CPU ${c.toFixed(2)} s = ${
      fmt(DELTA / c)
    } entries per CPU second; target ≥ 80,000/s: ${DELTA / s >= 80_000 ? "met" : "MISSED"}`,
  );
}

try {
  console.log(machine());
  if (ONLY.has("new")) await newDevice();
  if (ONLY.has("round")) await oneEntry();
  if (ONLY.has("ingest")) await ingest();
} finally {
  await Deno.remove(work, { recursive: true });
}
