/**
 * @module bench_helpers
 * Small pieces the whole-process benchmarks share: medians, the machine's
 * load (every figure is printed with it), a home's entry bytes, peak RSS of a
 * child process, copying a home, and a TCP proxy that counts the bytes of
 * each connection in each direction (everything of a session: Noise
 * handshake, frames, tags, messages; not TCP/IP headers).
 */

import { Home } from "../src/storage/home_handle.ts";

/** Median of `xs` (mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `uptime`'s load averages, as text ("1.20 0.95 0.80"). */
export function load(): string {
  return Deno.loadavg().map((l) => l.toFixed(2)).join(" ");
}

/** One line saying where and when a figure was taken. */
export function machine(): string {
  return `deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, ` +
    `${new Date().toISOString().slice(0, 16)}Z, load average ${load()}`;
}

/** Bytes of the stored (wire) form of `author`'s entries after `afterSeq` (own log by default). */
export async function encodedSize(root: string, afterSeq = 0, author?: string): Promise<number> {
  const home = await Home.open(root);
  try {
    const key = author === undefined
      ? home.device
      : [...home.log.heads().keys()].find((k) => k.id === author || k.hex === author);
    if (key === undefined) throw new Error(`no log of ${author} in ${root}`);
    let bytes = 0;
    for (let after = afterSeq;;) {
      const raw = home.log.range(key, after, undefined, 4096);
      if (raw.length === 0) return bytes;
      for (const e of raw) bytes += e.length;
      after += raw.length;
    }
  } finally {
    home.close();
  }
}

/** Copy the home at `from` (closed, its WAL folded in) to `to`, keeping file modes. */
export async function copyHome(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true, mode: 0o700 });
  for await (const f of Deno.readDir(from)) {
    if (!f.isFile) continue;
    await Deno.copyFile(`${from}/${f.name}`, `${to}/${f.name}`);
    await Deno.chmod(`${to}/${f.name}`, 0o600);
  }
}

/** Peak resident set (VmHWM, bytes) of a running process, or undefined once it is gone. */
export async function peakRss(pid: number): Promise<number | undefined> {
  try {
    const status = await Deno.readTextFile(`/proc/${pid}/status`);
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Run `cmd` to the end under `/usr/bin/time`; returns its exit code, output, wall ms and peak RSS. */
export async function timed(
  cmd: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number; rss: number }> {
  const marker = "@@maxrss=";
  const t0 = performance.now();
  const out = await new Deno.Command("/usr/bin/time", {
    args: ["-f", `${marker}%M`, ...cmd],
    env: options.env,
    cwd: options.cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ms = performance.now() - t0;
  const stderr = new TextDecoder().decode(out.stderr);
  const at = stderr.lastIndexOf(marker);
  const rss = at < 0 ? NaN : Number(stderr.slice(at + marker.length).trim()) * 1024;
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: at < 0 ? stderr : stderr.slice(0, at),
    ms,
    rss,
  };
}

/** Megabytes, one decimal. */
export const mb = (bytes: number): string => (bytes / (1 << 20)).toFixed(1);

/** Thousands separators. */
export const fmt = (n: number): string => Math.round(n).toLocaleString("en-US");

/** One proxied connection's byte counts. */
export interface Flow {
  /** client → server */
  up: number;
  /** server → client */
  down: number;
  done: Promise<void>;
}

/** A TCP proxy 127.0.0.1:listenPort → 127.0.0.1:targetPort that counts bytes. */
export class CountingProxy {
  readonly flows: Flow[] = [];
  readonly #listener: Deno.TcpListener;
  readonly #accepting: Promise<void>;

  constructor(listenPort: number, targetPort: number) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: listenPort });
    this.#listener = listener;
    this.#accepting = (async () => {
      for await (const client of listener) {
        const flow: Flow = { up: 0, down: 0, done: Promise.resolve() };
        this.flows.push(flow);
        flow.done = (async () => {
          const server = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
          await Promise.all([
            this.#pipe(client, server, (n) => flow.up += n),
            this.#pipe(server, client, (n) => flow.down += n),
          ]);
          client.close();
          server.close();
        })();
      }
    })().catch(() => {});
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn, count: (n: number) => void) {
    const buf = new Uint8Array(64 << 10);
    try {
      for (let n = await from.read(buf); n !== null; n = await from.read(buf)) {
        count(n);
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
    } catch {
      // one side reset: the session is over
    }
    try {
      await to.closeWrite();
    } catch {
      // already closed
    }
  }

  /** The last connection's counts, once it has closed both ways. */
  async last(): Promise<Flow> {
    const f = this.flows.at(-1);
    if (f === undefined) throw new Error("no connection went through the proxy");
    await f.done;
    return f;
  }

  async close() {
    this.#listener.close();
    await this.#accepting;
    await Promise.all(this.flows.map((f) => f.done));
  }
}
