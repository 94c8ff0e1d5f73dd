/**
 * @module discovery_wire
 * LAN discovery on a real link (the lab of tests/mesh_netns/_netns.ts: one
 * bridge, namespaces a, b, c, d, e; IPv4 and IPv6 link-local on each): a
 * probes, and 1 or 4 of the others answer — from a running responder (as in
 * `sync serve --listen`), or socket-activated by
 * `systemd-socket-activate --datagram --inetd` (a process started per
 * probe). Reported per probe round: packets and UDP payload bytes sent by
 * the prober and by the responders (from the roles' own counters), and the
 * time from the probe to the first answer — the running responder is the
 * baseline the socket-activated one is compared with. Medians of `--runs`.
 *
 *     sudo deno run -A bench/discovery_wire.ts            # 3 runs
 *     sudo deno run -A bench/discovery_wire.ts --runs 5
 *
 * Needs root, iproute2 and systemd-socket-activate. Everything is stopped by
 * PID and the namespaces are deleted on exit. (`deno bench` ignores this
 * file: it measures whole processes.)
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { deviceIdFromKey } from "../src/log/device_id.ts";
import { Lab, missingEnvironment, type Node } from "../tests/mesh_netns/_netns.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "3" } },
});
const RUNS = Number(values.runs);
const SCRIPT = fileURLToPath(new URL("../tests/mesh_netns/_discovery_node.ts", import.meta.url));
const ids = ["a", "b", "c", "d", "e"].map((_, i) =>
  deviceIdFromKey(new Uint8Array(32).fill(i + 1))
);

interface Counters {
  sent: number;
  sentBytes: number;
  received: number;
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

const why = await missingEnvironment();
if (why) {
  console.error(`cannot run: ${why}`);
  Deno.exit(2);
}

const lab = await Lab.create(["a", "b", "c", "d", "e"]);
try {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const files = await Promise.all(lab.nodes.map(async (n) => {
    const f = `${n.dir}/discovery.key`;
    await Deno.writeFile(f, secret, { mode: 0o600 });
    return f;
  }));
  // IPv6 link-local addresses must have passed duplicate address detection.
  for (const n of lab.nodes) {
    for (let i = 0; i < 100; i++) {
      const r = await n.exec("ip", ["-6", "address", "show", "dev", "eth0", "scope", "link"]);
      if (r.stdout.includes("fe80::") && !r.stdout.includes("tentative")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const [a, ...others] = lab.nodes;
  const role = (_n: Node, i: number, mode: string) =>
    [Deno.execPath(), "run", "-A", SCRIPT, mode, files[i], ids[i], "7000"] as const;

  console.log(`deno ${Deno.version.deno}, ${new Date().toISOString()}, ${RUNS} runs, medians`);
  console.log(
    "mode              responders  prober pkts/bytes  responders pkts/bytes  first answer",
  );
  for (const mode of ["running", "socket-activated"] as const) {
    for (const m of [1, 4]) {
      const rows: { p: Counters; r: Counters; first: number }[] = [];
      for (let run = 0; run < RUNS; run++) {
        const responders = others.slice(0, m).map((n, j) => {
          const [cmd, ...args] = role(n, j + 1, mode === "running" ? "respond" : "stdin");
          return mode === "running" ? n.start(cmd, args) : n.start("systemd-socket-activate", [
            "--datagram",
            "--inetd",
            "--listen",
            "7850",
            cmd,
            ...args,
          ]);
        });
        await Promise.all(
          responders.map((p) => p.waitFor(mode === "running" ? /answering/ : /Listening on/)),
        );
        const [cmd, ...args] = role(a, 0, "probe");
        const r = await a.exec(cmd, [...args, ...ids.slice(1)], {
          env: { ...Deno.env.toObject(), LISTEN_MS: mode === "running" ? "800" : "4000" },
        });
        const out = JSON.parse(r.stdout) as {
          counters: Counters;
          firstMs: number;
          found: unknown[];
        };
        const sum: Counters = { sent: 0, sentBytes: 0, received: 0 };
        for (const p of responders) {
          const done = mode === "running" ? await p.stop("SIGTERM") : await p.result();
          const c = JSON.parse(/\{.*\}/.exec(done.stderr)![0]) as Counters;
          sum.sent += c.sent;
          sum.sentBytes += c.sentBytes;
          sum.received += c.received;
        }
        if (out.found.length < m) throw new Error(`${mode}, ${m}: found ${out.found.length}`);
        rows.push({ p: out.counters, r: sum, first: out.firstMs });
      }
      const p = `${median(rows.map((x) => x.p.sent))}/${median(rows.map((x) => x.p.sentBytes))} B`;
      const q = `${median(rows.map((x) => x.r.sent))}/${median(rows.map((x) => x.r.sentBytes))} B`;
      const first = `${median(rows.map((x) => x.first)).toFixed(1)} ms`;
      console.log(
        `${mode.padEnd(18)}${String(m).padEnd(12)}${p.padEnd(19)}${q.padEnd(23)}${first}`,
      );
    }
  }
} finally {
  const problems = await lab.cleanup();
  if (problems.length > 0) console.error(problems.join("\n"));
}
