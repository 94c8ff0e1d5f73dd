/**
 * @module mesh50_bench
 * A mesh of 50 devices: what an idle round costs each device, and how many
 * timer rounds a change needs to reach all 50.
 *
 * How: in ONE process, with simulated links — 50 real homes (SQLite in
 * temporary folders), the real round (`syncRoundOn`: fan-out, Noise_IK,
 * the exchange, bookkeeping) and the real responder (`serveOn`), over
 * in-memory byte streams (src/transport/memory_stream.ts) instead of TCP
 * (tests/sync/_mem_mesh.ts). No process start-up is counted: 50 servers
 * and 50 `sync now` processes per round do not fit the shared 2-core
 * machine this was written on; a real device also pays `mycel` start-up
 * (~75 ms, docs/benchmarks.md "Sync") once per round, whatever the mesh's
 * size. Timer rounds run the 50 devices one after another in a random
 * order (real timers are not synchronised and a round takes far less
 * than the 30 s between rounds).
 *
 * Measured:
 * 1. An idle round (nothing new anywhere; bookkeeping settled, which takes
 *    a few rounds after a change and is reported too): wire bytes
 *    per device (every session it took part in, both directions, either
 *    role) and CPU per device (process CPU time of the whole timer round
 *    divided by 50, and the largest single device's round including the
 *    answers to it). Targets: ≤ 20 KB and ≤ 100 ms per device.
 * 2. Rounds until a change reaches all 50: (a) its author stays up (it
 *    offers its own news to every peer that lacks it); (b) its author
 *    hands it to one peer and goes away, so only relaying spreads it.
 *    Target ≤ 3.
 *
 *     deno run -A bench/mesh50_bench.ts            # 50 devices, 5 trials each
 *     deno run -A bench/mesh50_bench.ts --devices 20 --trials 3
 *     deno run -A bench/mesh50_bench.ts --processes --trials 2   # real processes
 *
 * With `--processes` (bench/mesh50_processes.ts) the same is measured with
 * 50 real homes made and peered through the CLI, each answering with
 * `mycel sync serve --listen` behind a counting proxy, and rounds of real
 * `mycel sync now` processes: start-up included.
 *
 * (`deno bench` ignores this file: it is a script.)
 */

import process from "node:process";
import { type MemDevice, MemMesh } from "../tests/sync/_mem_mesh.ts";

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d });

async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** Timer rounds until every device that is up shows `key = value` (at most `max`). */
async function roundsUntil(mesh: MemMesh, key: string, value: string, max = 10): Promise<number> {
  for (let r = 1; r <= max; r++) {
    await mesh.timerRound();
    if (mesh.devices.every((d) => !d.up || d.home.view.pref(key) === value)) return r;
  }
  return Infinity;
}

async function idleRound(mesh: MemMesh) {
  for (const d of mesh.devices) d.bytes = 0;
  const perDevice: number[] = [];
  const cpu0 = cpuMs();
  const t0 = performance.now();
  // One timer tick, device by device, timing each round (with the answers to it).
  for (const d of [...mesh.devices].sort(() => mesh.random() - 0.5)) {
    const c = cpuMs();
    await mesh.round(d);
    perDevice.push(cpuMs() - c);
  }
  mesh.now += 30_000;
  const cpu = cpuMs() - cpu0, wall = performance.now() - t0;
  const bytes = mesh.devices.map((d) => d.bytes);
  return { cpu, wall, perDevice, bytes };
}

async function main() {
  const n = arg("devices", 50), trials = arg("trials", 5);
  if (Deno.args.includes("--processes")) {
    console.log(
      `mesh of ${n}: REAL PROCESSES on 127.0.0.1 (sync serve --listen behind counting proxies)`,
    );
    console.log(
      `deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${
        new Date().toISOString()
      }, load ${await loadAverage()}`,
    );
    const { runProcesses } = await import("./mesh50_processes.ts");
    await runProcesses(n, trials, loadAverage);
    return;
  }
  console.log(
    `mesh of ${n}: ONE process, simulated links (real homes, real round, Noise and exchange over in-memory streams)`,
  );
  console.log(
    `deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ${
      new Date().toISOString()
    }, load ${await loadAverage()}`,
  );
  const t0 = performance.now();
  await using mesh = await MemMesh.create(n, { seed: 50 });
  await mesh.peerAll();
  let r = 0;
  for (; r < 30; r++) {
    await mesh.timerRound();
    if (new Set(mesh.digests()).size === 1) break;
  }
  for (let i = 0; i < 3; i++) await mesh.timerRound(); // bookkeeping settles
  console.log(
    `set up and converged in ${r + 1} rounds + 3 (${fmt((performance.now() - t0) / 1000, 1)} s)`,
  );

  // Right after a change, each device knows what each peer holds only from
  // its own sessions with it, and asks the peers it has not heard from since
  // (2 a round): until it has, rounds cost more. Count those rounds.
  const settling: number[] = [];
  for (let i = 0; i < 60; i++) {
    const before = mesh.served.length;
    await mesh.timerRound();
    settling.push(mesh.served.length - before);
    if (settling.length >= 2 && settling.slice(-2).every((s) => s <= n)) break;
  }
  console.log(
    `bookkeeping settled after ${settling.length} more rounds; sessions per round: ${
      settling.join(", ")
    }`,
  );

  console.log("\n## Idle rounds (nothing new anywhere)\n");
  console.log(
    "| round | sessions | bytes/device median | max | CPU/device (total ÷ n) | largest device round | wall |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const idle: { bytes: number[]; cpu: number; max: number }[] = [];
  for (let i = 1; i <= trials; i++) {
    const before = mesh.served.length;
    const x = await idleRound(mesh);
    const sessions = mesh.served.length - before;
    idle.push({ bytes: x.bytes, cpu: x.cpu / n, max: Math.max(...x.perDevice) });
    console.log(
      `| ${i} | ${sessions} | ${fmt(median(x.bytes))} B | ${fmt(Math.max(...x.bytes))} B | ${
        fmt(x.cpu / n, 1)
      } ms | ${fmt(Math.max(...x.perDevice), 1)} ms | ${fmt(x.wall)} ms |`,
    );
  }
  const worstBytes = Math.max(...idle.flatMap((x) => x.bytes));
  const meanCpu = median(idle.map((x) => x.cpu));
  console.log(
    `\nidle: worst device ${fmt(worstBytes)} B per round (target ≤ 20,000: ${
      worstBytes <= 20_000 ? "met" : "MISSED"
    }); CPU ${fmt(meanCpu, 1)} ms per device per round, median of ${trials} (target ≤ 100: ${
      meanCpu <= 100 ? "met" : "MISSED"
    })`,
  );

  console.log("\n## Rounds until one change reaches every device\n");
  const own: number[] = [], relayed: number[] = [];
  for (let i = 0; i < trials; i++) {
    const author = mesh.devices[Math.floor(mesh.random() * n)];
    await mesh.write(author, (d) => [{
      type: "pref.set",
      key: "bench",
      value: `own-${i}`,
      observed: d.home.view.observed("prefs", "bench"),
    }]);
    own.push(await roundsUntil(mesh, "bench", `own-${i}`));
  }
  for (let i = 0; i < trials; i++) {
    const author = mesh.devices[Math.floor(mesh.random() * n)];
    const first: MemDevice = mesh.devices.find((d) => d !== author)!;
    await mesh.write(author, (d) => [{
      type: "pref.set",
      key: "bench",
      value: `relayed-${i}`,
      observed: d.home.view.observed("prefs", "bench"),
    }]);
    // The author hands it to one peer only, then goes away. `all`: a round
    // dials at most 16 peers (round_peers.ts capPeers), and `first` need not be
    // among them: then nobody had the change and this measured nothing
    // (Infinity in 2 of 3 trials once the cap came).
    mesh.partition((a, b) => (a === author && b !== first) || (b === author && a !== first));
    await mesh.round(author, { all: true });
    author.up = false;
    mesh.heal();
    relayed.push(await roundsUntil(mesh, "bench", `relayed-${i}`));
    author.up = true;
    await mesh.timerRound();
  }
  console.log(`| how it spreads | rounds (each trial) | worst | target ≤ 3 |`);
  console.log(`| --- | --- | ---: | :---: |`);
  for (const [what, xs] of [["its author stays up", own], ["relayed only", relayed]] as const) {
    const worst = Math.max(...xs);
    console.log(`| ${what} | ${xs.join(", ")} | ${worst} | ${worst <= 3 ? "met" : "MISSED"} |`);
  }
  console.log(`\nload at the end: ${await loadAverage()}`);
}

if (import.meta.main) await main();
