/**
 * @module mesh_throughput
 * The WireGuard mesh under load, between two network namespaces joined by a
 * veth bridge (the lab of tests/mesh_netns/_netns.ts: 198.18.0.1 and
 * 198.18.0.2, mesh interfaces run by wireguard-go, MTU 1420):
 *
 * 1. TCP throughput with iperf3 (server in b, client in a, 5 s), over the
 *    underlay (b's veth address) and through the tunnel (b's mesh IPv4).
 * 2. `mycel sync now` on a pushing a large delta to b over the tunnel: a
 *    holds N entries b lacks (default 20,000, made in-process with
 *    `appendBulk` from tests/sync/_helpers.ts: each sets one of 100 config
 *    keys to a ~100-character string, ~280 bytes encoded). Reported: wall
 *    time of the `sync now` process, the time until b has stored everything
 *    (its digest equals a's — the responder stores after the session),
 *    entries/s, the entries' encoded size in MB/s, and the bytes WireGuard
 *    carried (`wg show dump` transfer counters, both directions). Each run
 *    is followed by one with the mesh down (direct TCP on the underlay) for
 *    comparison; the runs alternate so both paths see homes of equal size.
 *
 * Each measurement runs `--runs` times (default 3); every run and the
 * medians are printed.
 *
 *     sudo deno run -A bench/mesh_throughput.ts              # 20,000 entries, 3 runs
 *     sudo deno run -A bench/mesh_throughput.ts --entries 5000 --runs 1 --seconds 5
 *
 * Needs root, iproute2, wireguard-tools, wireguard-go and iperf3. Every
 * process is stopped by PID and the namespaces are deleted on exit, even on
 * failure. (`deno bench` ignores this file: it measures whole processes.)
 */

import { parseArgs } from "node:util";
import { encodedSize, median } from "./bench_helpers.ts";
import { Lab, meshOf, missingEnvironment, type Node, sh } from "../tests/mesh_netns/_netns.ts";
import { appendBulk } from "../tests/sync/_helpers.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    entries: { type: "string", default: "20000" },
    runs: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
  },
});
const ENTRIES = Number(values.entries);
const RUNS = Number(values.runs);
const SECONDS = Number(values.seconds);

const MB = 1e6;

/** iperf3 client a → `addr` for SECONDS; returns received bits/s and retransmits. */
async function iperf(a: Node, b: Node, addr: string) {
  const limit = (SECONDS + 30) * 1000;
  const server = b.start("iperf3", ["-s", "-1", "-B", addr, "--forceflush"], { timeoutMs: limit });
  await server.waitFor(/Server listening/);
  const r = await a.exec("iperf3", ["-c", addr, "-t", String(SECONDS), "-J"], { timeoutMs: limit });
  await server.result();
  if (r.code !== 0) throw new Error(`iperf3 -c ${addr} failed: ${r.stdout}${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return {
    bps: j.end.sum_received.bits_per_second as number,
    retransmits: j.end.sum_sent.retransmits as number,
  };
}

/** WireGuard bytes both ways on `n`'s interface (0 when it is down). */
async function wgBytes(n: Node): Promise<number> {
  const d = await n.wgDump();
  return d ? d.peers.reduce((s, p) => s + p.rx + p.tx, 0) : 0;
}

/** Push ENTRIES new entries from a to b with `sync now`; returns the figures. */
async function bigDelta(a: Node, b: Node, prefix: string) {
  const st = await a.status();
  const seq0 = st.log.heads[st.device.id].seq;
  await appendBulk(a.home, ENTRIES, { prefix, keys: 100, valueBytes: 100 });
  const bytes = await encodedSize(a.home, seq0);
  const target = await a.digest();
  const wg0 = await wgBytes(a);
  const t0 = performance.now();
  const round = await a.syncNow(300);
  const syncMs = performance.now() - t0;
  if (round.result.code !== 0) {
    throw new Error(`sync now failed: ${round.result.stdout}${round.result.stderr}`);
  }
  let storedMs = 0;
  for (;;) {
    if ((await b.digest()) === target) {
      storedMs = performance.now() - t0;
      break;
    }
    if (performance.now() - t0 > 300_000) throw new Error("b never stored the delta");
    await new Promise((r) => setTimeout(r, 50));
  }
  const wg = (await wgBytes(a)) - wg0;
  return { line: round.lines[0], syncMs, storedMs, bytes, wg };
}

type Delta = Awaited<ReturnType<typeof bigDelta>>;

function report(name: string, r: Delta): void {
  const s = r.syncMs / 1000;
  console.log(
    `  ${name.padEnd(6)} via ${r.line.path} ${r.line.address}: sent ${r.line.sent}, ` +
      `sync now ${s.toFixed(2)} s (${Math.round(ENTRIES / s)} entries/s, ` +
      `${(r.bytes / MB / s).toFixed(2)} MB/s of entries), ` +
      `stored on b after ${(r.storedMs / 1000).toFixed(2)} s; ` +
      `entries ${(r.bytes / MB).toFixed(2)} MB` +
      (r.wg ? `, WireGuard carried ${(r.wg / MB).toFixed(2)} MB` : ""),
  );
}

function summary(name: string, rs: Delta[]): void {
  const s = median(rs.map((r) => r.syncMs)) / 1000;
  const stored = median(rs.map((r) => r.storedMs)) / 1000;
  const bytes = median(rs.map((r) => r.bytes));
  console.log(
    `  median ${name.padEnd(6)}: sync now ${s.toFixed(2)} s, ${
      Math.round(ENTRIES / s)
    } entries/s, ` +
      `${(bytes / MB / s).toFixed(2)} MB/s; stored on b after ${stored.toFixed(2)} s ` +
      `(${Math.round(ENTRIES / stored)} entries/s end to end)`,
  );
}

const missing = await missingEnvironment();
if (missing) {
  console.error(`mesh_throughput: cannot run: ${missing}`);
  Deno.exit(2);
}
try {
  await sh("iperf3", ["--version"]);
} catch {
  console.error("mesh_throughput: iperf3 is missing (apt-get install iperf3)");
  Deno.exit(2);
}

const lab = await Lab.create(["a", "b"]);
try {
  await meshOf(lab, "star");
  const [a, b] = lab.nodes;
  const bMesh = await b.meshIpv4();
  console.log(
    `deno ${Deno.version.deno}, cores: ${navigator.hardwareConcurrency}, ` +
      `${(await sh("uname", ["-sr"])).trim()}, ${new Date().toISOString().slice(0, 16)}Z, ` +
      `load average ${(await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")}`,
  );
  console.log(
    `${(await sh("wireguard-go", ["--version"])).split("\n")[0]}, ` +
      `${(await sh("iperf3", ["--version"])).split("\n")[0]}`,
  );

  console.log(`\nTCP, iperf3 -c ADDR -t ${SECONDS} -J (a → b), ${RUNS} runs each:`);
  const tcp: Record<string, number[]> = { underlay: [], tunnel: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const [name, addr] of [["underlay", b.ip], ["tunnel", bMesh]] as const) {
      const r = await iperf(a, b, addr);
      tcp[name].push(r.bps);
      console.log(
        `  ${name.padEnd(8)} ${addr.padEnd(15)} ${(r.bps / 1e9).toFixed(2)} Gbit/s` +
          ` (${r.retransmits} retransmits)`,
      );
    }
  }
  const [mu, mt] = [median(tcp.underlay), median(tcp.tunnel)];
  console.log(
    `  median: underlay ${(mu / 1e9).toFixed(2)} Gbit/s, tunnel ${(mt / 1e9).toFixed(2)} Gbit/s` +
      ` (${(100 * mt / mu).toFixed(1)}% of underlay)`,
  );

  console.log(`\nsync now of ${ENTRIES} new entries (a → b), ${RUNS} runs each:`);
  // Alternating, so both paths see homes of the same size (each run adds N).
  const viaMesh: Delta[] = [];
  const viaDirect: Delta[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (i > 0) {
      await a.meshUp();
      if (!(await a.waitPing(bMesh))) throw new Error("the tunnel did not come back");
    }
    const m = await bigDelta(a, b, `mesh${i}`);
    if (m.line.path !== "mesh") {
      throw new Error(`expected the mesh path: ${JSON.stringify(m.line)}`);
    }
    report("mesh", m);
    viaMesh.push(m);
    await a.ok(["mesh", "down", "--interface", a.ifname]);
    const d = await bigDelta(a, b, `direct${i}`);
    if (d.line.path !== "direct") throw new Error(`expected direct: ${JSON.stringify(d.line)}`);
    report("direct", d);
    viaDirect.push(d);
  }
  summary("mesh", viaMesh);
  summary("direct", viaDirect);
} finally {
  const problems = await lab.cleanup();
  if (problems.length > 0) console.error(`cleanup: ${problems.join("; ")}`);
}
