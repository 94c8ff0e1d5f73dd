/**
 * @module mesh_roaming
 * Issue 12's figures, measured in the lab of tests/mesh_netns/_netns.ts
 * (network namespaces on one bridge, wireguard-go, real `mycel` processes
 * run as `deno run -A main.ts`):
 *
 * 1. **Pairing to first ping**: from the end of `mycel pair` on the joiner
 *    to the first answered ping both ways over the tunnel, with `mesh up`
 *    run on both devices in between (no sync round).
 * 2. **Address change to first sync and first ping**: two meshed devices
 *    each run what their timer runs (`mesh up`, then `sync now`), the
 *    unmoved one first, back to back after b's address changes; time to the
 *    first round in which a session synced, and to the first ping answered
 *    both ways.
 * 3. **Discovery on the wire per round**: nftables counters of UDP port
 *    7850 on the prober's and on a responder's link (IP bytes), for one
 *    `sync now` of c when b answers at its remembered endpoint (no probe),
 *    when b moved (one probe, answered by b's `sync serve --listen`), and
 *    when b answers socket-activated.
 *
 *     sudo deno run -A bench/mesh_roaming.ts --runs 3 [--only pair|move|wire]
 *
 * Needs root, iproute2, wireguard-tools, wireguard-go, nftables and (for the
 * last row) systemd-socket-activate. Everything is stopped by PID and the
 * namespaces deleted on exit, even on failure.
 */

import { parseArgs } from "node:util";
import { MAIN_TS } from "../tests/helpers/mycel.ts";
import { denoRunArgs } from "../src/runtime_flags.ts";
import { which } from "../tests/helpers/process.ts";
import {
  Lab,
  meshOf,
  missingEnvironment,
  type Node,
  pair,
  sh,
} from "../tests/mesh_netns/_netns.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "3" }, only: { type: "string", default: "" } },
});
const RUNS = Number(values.runs);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function withLab<T>(names: string[], fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.create(names);
  try {
    return await fn(lab);
  } finally {
    const problems = await lab.cleanup();
    if (problems.length > 0) console.error(`cleanup: ${problems.join("; ")}`);
  }
}

async function pairToPing(): Promise<number> {
  return await withLab(["a", "b"], async (lab) => {
    const [a, b] = lab.nodes;
    await a.init();
    await pair(a, b);
    const t0 = performance.now();
    await Promise.all([a.meshUp("--no-sync"), b.meshUp("--no-sync")]);
    const [aIp, bIp] = [await a.meshIpv4(), await b.meshIpv4()];
    const ok = await Promise.all([a.waitPing(bIp, 30_000), b.waitPing(aIp, 30_000)]);
    if (!ok.every(Boolean)) throw new Error("no ping after pairing");
    return performance.now() - t0;
  });
}

async function timerRound(n: Node): Promise<boolean> {
  await n.run(["--no-sync", "mesh", "up", "--interface", n.ifname]);
  const r = await n.syncNow(6);
  return r.lines.some((l) => l.status === "synced");
}

async function moveToSync(): Promise<{ sync: number; ping: number }> {
  return await withLab(["a", "b"], async (lab) => {
    await meshOf(lab, "star");
    const [a, b] = lab.nodes;
    const [aIp, bIp] = [await a.meshIpv4(), await b.meshIpv4()];
    await b.underlay("down");
    await sh("ip", ["-n", b.ns, "address", "del", `${b.ip}/24`, "dev", "eth0"]);
    await sh("ip", ["-n", b.ns, "address", "add", "198.18.0.12/24", "dev", "eth0"]);
    await b.underlay("up");
    const t0 = performance.now();
    let sync: number | undefined, ping: number | undefined;
    for (let i = 0; i < 4 && (sync === undefined || ping === undefined); i++) {
      for (const n of [a, b]) {
        if ((await timerRound(n)) && sync === undefined) sync = performance.now() - t0;
      }
      if (ping === undefined && (await a.ping(bIp)) && (await b.ping(aIp))) {
        ping = performance.now() - t0;
      }
    }
    if (sync === undefined || ping === undefined) throw new Error("did not recover");
    return { sync, ping };
  });
}

// Everything UDP a device sends (the lab runs no WireGuard or DNS here): probes go to port 7850,
// answers from 7850 (a running responder) or from a fresh port (a socket-activated one).
const COUNT = `table inet myccount {
  counter out7850 {}
  counter in7850 {}
  chain o { type filter hook output priority 0; meta l4proto udp counter name out7850; }
  chain i { type filter hook input priority 0; meta l4proto udp counter name in7850; }
}
`;

async function counters(n: Node): Promise<{ out: [number, number]; in: [number, number] }> {
  const r = await n.exec("nft", ["-j", "list", "counters", "table", "inet", "myccount"]);
  const doc = JSON.parse(r.stdout) as {
    nftables: { counter?: { name: string; packets: number; bytes: number } }[];
  };
  const c = (name: string): [number, number] => {
    const x = doc.nftables.find((e) => e.counter?.name === name)!.counter!;
    return [x.packets, x.bytes];
  };
  return { out: c("out7850"), in: c("in7850") };
}

async function resetCounters(n: Node): Promise<void> {
  await n.exec("nft", ["reset", "counters", "table", "inet", "myccount"]);
}

interface WireRow {
  case: string;
  prober: string;
  responder: string;
  synced: boolean;
}

async function discoveryWire(): Promise<WireRow[]> {
  return await withLab(["a", "b", "c"], async (lab) => {
    const [a, b, c] = lab.nodes;
    await a.init();
    await b.ok(["init", "--name", "b", "--listen", `${b.ip}:7000`]);
    await c.ok(["init", "--name", "c", "--listen", `${c.ip}:7000`]);
    await pair(a, b);
    await pair(a, c);
    await a.serve();
    const serve = await b.serve();
    await serve.waitFor(/answering discovery probes/);
    for (const n of [b, c]) await sh("ip", ["netns", "exec", n.ns, "nft", "-f", "-"], COUNT);
    const rows: WireRow[] = [];
    const measure = async (name: string) => {
      await Promise.all([resetCounters(b), resetCounters(c)]);
      const r = await c.syncNow(8);
      const line = r.lines.find((l) => l.name === "b");
      const [pc, rc] = [await counters(c), await counters(b)];
      const f = (x: { out: [number, number] }) => `${x.out[0]} pkts, ${x.out[1]} B`;
      rows.push({ case: name, prober: f(pc), responder: f(rc), synced: line?.status === "synced" });
    };
    await c.syncNow(8);
    await measure("every peer answers where it was reached before");
    await a.underlay("down");
    await c.syncNow(8); // notes that a is away
    await measure("a away (so the round probes), b answers where it was reached before");
    // b moves: c's remembered endpoint and b's record are stale.
    await b.underlay("down");
    await sh("ip", ["-n", b.ns, "address", "del", `${b.ip}/24`, "dev", "eth0"]);
    await sh("ip", ["-n", b.ns, "address", "add", "198.18.0.12/24", "dev", "eth0"]);
    await b.underlay("up");
    await measure("b moved, found by a probe (sync serve answers)");
    const activate = which("systemd-socket-activate");
    if (activate) {
      await serve.stop("SIGTERM");
      b.start(activate, [
        "--datagram",
        "--inetd",
        "--listen",
        "7850",
        Deno.execPath(),
        ...denoRunArgs(MAIN_TS),
        "--home",
        b.home,
        "discovery",
        "respond",
        "--stdio",
        "--sync-port",
        "7000",
      ]);
      b.spawn(["sync", "serve", "--listen", "0.0.0.0:7000"], { timeoutMs: 300_000 });
      await new Promise((r) => setTimeout(r, 1500));
      await b.underlay("down");
      await sh("ip", ["-n", b.ns, "address", "del", "198.18.0.12/24", "dev", "eth0"]);
      await sh("ip", ["-n", b.ns, "address", "add", "198.18.0.13/24", "dev", "eth0"]);
      await b.underlay("up");
      await measure("b moved again, answered socket-activated");
    }
    return rows;
  });
}

const missing = await missingEnvironment();
if (missing) {
  console.error(`cannot run: ${missing}`);
  Deno.exit(1);
}
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.log(`load average before: ${load}`);
const only = values.only;
const p2p: number[] = [];
for (let i = 0; i < (only && only !== "pair" ? 0 : RUNS); i++) p2p.push(await pairToPing());
if (p2p.length > 0) {
  const ms = p2p.map((x) => Math.round(x)).join(", ");
  console.log(`pairing → first ping both ways: ${ms} ms (median ${Math.round(median(p2p))})`);
}
const moves: { sync: number; ping: number }[] = [];
for (let i = 0; i < (only && only !== "move" ? 0 : RUNS); i++) moves.push(await moveToSync());
if (moves.length > 0) {
  const sync = moves.map((m) => Math.round(m.sync));
  const ping = moves.map((m) => Math.round(m.ping));
  console.log(
    `address change → first sync: ${sync.join(", ")} ms (median ${median(sync)}); ` +
      `→ first ping both ways: ${ping.join(", ")} ms (median ${median(ping)})`,
  );
}
for (let i = 0; i < (only && only !== "wire" ? 0 : 1); i++) {
  for (const row of await discoveryWire()) console.log(JSON.stringify(row));
}
const after = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
console.log(`load average after: ${after}`);
