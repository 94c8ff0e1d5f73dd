/**
 * @module mesh50_processes
 * The mesh-of-50 measurement with real processes on 127.0.0.1 (see
 * mesh50_bench.ts, `--processes`): 50 homes made and peered through the
 * CLI, each answering with `mycel sync serve --listen` behind a counting
 * TCP proxy on its advertised endpoint, and timer rounds that run
 * `mycel sync now` on each device in turn, in a random order.
 *
 * Per device and idle round: the wire bytes of every session it took part
 * in (counted by the proxies, both directions, either role), and CPU: its
 * own `sync now` process (user + system, from bash's `time`) plus what the
 * servers it talked to spent meanwhile (/proc/PID/stat, 10 ms ticks).
 */

import { Home } from "../src/storage/home_handle.ts";
import { denoRunArgs } from "../src/runtime_flags.ts";
import {
  childEnv,
  MAIN_TS,
  type MycelProcess,
  type TempHome,
  tempHome,
} from "../tests/helpers/mycel.ts";
import { freePort } from "../tests/helpers/net.ts";
import { rng } from "../tests/helpers/random.ts";

/** A TCP proxy counting the bytes of each connection it forwards. */
class CountingProxy {
  readonly port: number;
  /** Where it forwards (the server may move to another port if its first was taken). */
  target = 0;
  #bytes = 0;
  readonly #listener: Deno.TcpListener;
  readonly #flows = new Set<Promise<void>>();

  constructor(port: number, target: number) {
    this.port = port;
    this.target = target;
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    this.#listener = listener;
    (async () => {
      for await (const client of listener) {
        const flow = (async () => {
          let server: Deno.TcpConn;
          try {
            server = await Deno.connect({ hostname: "127.0.0.1", port: this.target });
          } catch {
            client.close();
            return;
          }
          await Promise.all([this.#pipe(client, server), this.#pipe(server, client)]);
          for (const c of [client, server]) {
            try {
              c.close();
            } catch {
              // closed already
            }
          }
        })();
        this.#flows.add(flow);
        flow.finally(() => this.#flows.delete(flow));
      }
    })().catch(() => {});
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(65536);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        this.#bytes += n;
        for (let off = 0; off < n;) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // a side went away
    }
    try {
      to.closeWrite();
    } catch {
      // closed already
    }
  }

  /** Bytes forwarded so far, once every open connection is done. */
  async bytes(): Promise<number> {
    while (this.#flows.size > 0) await Promise.allSettled([...this.#flows]);
    return this.#bytes;
  }

  close(): void {
    this.#listener.close();
  }
}

interface Dev {
  name: string;
  tmp: TempHome;
  proxy: CountingProxy;
  serverPort: number;
  server?: MycelProcess;
}

function ticks(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime, clock ticks (100 Hz)
  } catch {
    return 0;
  }
}

/** Run `sync now` for `d` under bash's `time`; returns its CPU (ms) and exit code. */
function timedSyncNow(d: Dev, extra: string[] = []): Promise<{ cpu: number; code: number }> {
  return timedMycel(d.tmp.home, ["sync", "now", "--timeout", "30", ...extra]);
}

/** Run mycel `args` in `home` under bash's `time`; returns its CPU (ms) and exit code. */
async function timedMycel(home: string, args: string[]): Promise<{ cpu: number; code: number }> {
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      'TIMEFORMAT="%3U %3S"; time "$@" >/dev/null 2>/dev/null',
      "bash",
      Deno.execPath(),
      ...denoRunArgs(MAIN_TS),
      ...args,
    ],
    env: childEnv({ home }),
    clearEnv: true,
    stdout: "null",
    stderr: "piped",
  }).output();
  const [user, sys] = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)!.split(" ")
    .map(Number);
  return { cpu: (user + sys) * 1000, code: out.code };
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
    }),
  );
}

/** The real-process run; prints markdown like the in-process one. */
export async function runProcesses(n: number, trials: number, load: () => Promise<string>) {
  const random = rng(50);
  const devs: Dev[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < n; i++) {
      const port = freePort(), serverPort = freePort();
      devs.push({
        name: `p${i}`,
        tmp: await tempHome(`mycel-p50-${i}-`),
        proxy: new CountingProxy(port, serverPort),
        serverPort,
      });
    }
    await pool(devs, 3, async (d) => {
      await d.tmp.ok(["init", "--name", d.name, "--listen", `127.0.0.1:${d.proxy.port}`]);
    });
    const [first, ...rest] = devs;
    const firstCard = (await first.tmp.ok(["mesh", "card"])).stdout;
    const cards = new Map<Dev, string>();
    await pool(rest, 3, async (d) => {
      cards.set(d, (await d.tmp.ok(["mesh", "card"])).stdout);
      await d.tmp.ok(["--no-sync", "mesh", "add-peer", "-"], { stdin: firstCard });
    });
    for (const d of rest) {
      await first.tmp.ok(["--no-sync", "mesh", "add-peer", "-"], { stdin: cards.get(d)! });
    }
    await pool(devs, 4, async (d) => {
      // A free port may be taken by the time the server binds it (the many
      // short processes here use ephemeral ports): then another one.
      for (let tries = 0;; tries++) {
        const p = d.tmp.spawn(
          ["sync", "serve", "--listen", `127.0.0.1:${d.serverPort}`, "--timeout", "30"],
          { timeoutMs: 0 },
        );
        try {
          await p.waitFor(/listening on/, { stream: "stderr", timeoutMs: 60_000 });
          d.server = p;
          return;
        } catch (e) {
          await p.stop();
          if (tries >= 3 || !/already in use/.test(p.stderr)) throw e;
          d.serverPort = d.proxy.target = freePort();
        }
      }
    });
    const digests = async () => {
      const out: string[] = [];
      for (const d of devs) {
        const h = await Home.open(d.tmp.home, { env: () => undefined });
        try {
          out.push(h.digest());
        } finally {
          h.close();
        }
      }
      return out;
    };
    const pref = async (d: Dev, key: string) => {
      const h = await Home.open(d.tmp.home, { env: () => undefined });
      try {
        return h.view.pref(key);
      } finally {
        h.close();
      }
    };

    /** One timer round; per device CPU (own process + servers meanwhile) and bytes. */
    const round = async (skip?: Dev) => {
      const bytes = new Map<Dev, number>(devs.map((d) => [d, 0]));
      const cpu = new Map<Dev, number>(devs.map((d) => [d, 0]));
      const order = [...devs].sort(() => random() - 0.5).filter((d) => d !== skip);
      for (const d of order) {
        const before = await Promise.all(devs.map((x) => x.proxy.bytes()));
        const t = devs.map((x) => ticks(x.server!.pid));
        const r = await timedSyncNow(d);
        const after = await Promise.all(devs.map((x) => x.proxy.bytes()));
        let served = 0;
        devs.forEach((x, i) => {
          const b = after[i] - before[i];
          if (b > 0) {
            bytes.set(x, bytes.get(x)! + b);
            bytes.set(d, bytes.get(d)! + b);
          }
          served += (ticks(x.server!.pid) - t[i]) * 10;
        });
        cpu.set(d, cpu.get(d)! + r.cpu + served);
      }
      return { bytes: [...bytes.values()], cpu: [...cpu.values()] };
    };

    let converged = 0;
    for (; converged < 15; converged++) {
      await round();
      if (new Set(await digests()).size === 1) break;
    }
    for (let i = 0; i < 4; i++) await round(); // bookkeeping settles
    console.log(
      `set up and converged in ${converged + 1} rounds + 4 (${
        ((performance.now() - t0) / 1000).toFixed(0)
      } s)`,
    );
    // What any mycel command costs before it does anything: start-up, for comparison.
    const startup: number[] = [];
    for (let i = 0; i < 5; i++) startup.push((await timedMycel(first.tmp.home, ["--version"])).cpu);
    console.log(
      `start-up alone (\`mycel --version\`): ${
        [...startup].sort((a, b) => a - b)[2].toFixed(0)
      } ms CPU, median of 5`,
    );
    console.log("\n## Idle rounds, real processes\n");
    console.log("| round | bytes/device median | max | CPU/device median | max |");
    console.log("| ---: | ---: | ---: | ---: | ---: |");
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    for (let i = 1; i <= trials; i++) {
      const r = await round();
      console.log(
        `| ${i} | ${med(r.bytes)} B | ${Math.max(...r.bytes)} B | ${med(r.cpu).toFixed(0)} ms | ${
          Math.max(...r.cpu).toFixed(0)
        } ms |`,
      );
    }
    console.log("\n## Rounds until one change reaches every device, real processes\n");
    const until = async (key: string, value: string, skip?: Dev) => {
      for (let r = 1; r <= 8; r++) {
        await round(skip);
        const all = await Promise.all(devs.filter((d) => d !== skip).map((d) => pref(d, key)));
        if (all.every((v) => v === value)) return r;
      }
      return Infinity;
    };
    const own: number[] = [], relayed: number[] = [];
    for (let i = 0; i < trials; i++) {
      const author = devs[Math.floor(random() * n)];
      await author.tmp.ok(["--no-sync", "pref", "set", "bench", `own-${i}`]);
      own.push(await until("bench", `own-${i}`));
    }
    for (let i = 0; i < trials; i++) {
      const author = devs[Math.floor(random() * n)];
      const carrier = devs.find((d) => d !== author)!;
      await author.tmp.ok(["--no-sync", "pref", "set", "bench", `relayed-${i}`]);
      await timedSyncNow(carrier, ["--all"]); // one device fetches it from its author…
      await author.server!.stop("SIGKILL"); // …which goes away
      relayed.push(await until("bench", `relayed-${i}`, author));
      author.server = author.tmp.spawn(
        ["sync", "serve", "--listen", `127.0.0.1:${author.serverPort}`, "--timeout", "30"],
        { timeoutMs: 0 },
      );
      await author.server.waitFor(/listening on/, { stream: "stderr", timeoutMs: 60_000 });
    }
    console.log("| how it spreads | rounds (each trial) | worst |");
    console.log("| --- | --- | ---: |");
    console.log(`| its author stays up | ${own.join(", ")} | ${Math.max(...own)} |`);
    console.log(`| relayed only | ${relayed.join(", ")} | ${Math.max(...relayed)} |`);
    console.log(`\nload at the end: ${await load()}`);
  } finally {
    await Promise.all(devs.map((d) => d.server?.stop("SIGKILL")));
    for (const d of devs) d.proxy.close();
    await Promise.all(devs.map((d) => d.tmp.cleanup()));
  }
}
