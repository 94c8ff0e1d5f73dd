/**
 * @module bench_homes
 * Homes for the whole-process benchmarks: built once by make_home.ts into a
 * cache folder (a 1M-entry home takes a while) and copied for each run, a
 * fresh device peered with one of them by exchanging cards, `mycel` run as
 * its own process, and `sync serve --listen` servers started and stopped by
 * PID. Children get MYCEL_NO_PUSH=1 (no detached background push) and
 * NO_COLOR=1.
 */

import { copyHome, peakRss } from "./bench_helpers.ts";
import { makeHome } from "./make_home.ts";
import { denoRunArgs } from "../src/runtime_flags.ts";

const ROOT = new URL("..", import.meta.url).pathname;
/** The deno binary the benchmarks run mycel with. */
export const DENO = Deno.env.get("DENO") ?? `${ROOT}node_modules/.bin/deno`;
/** argv of `mycel` as its own process (`deno run -A`, the binary's V8 flags, main.ts). */
export const MYCEL = [DENO, ...denoRunArgs(`${ROOT}main.ts`)];
/**
 * Environment of every mycel process a bench runs. Discovery is off: a bench
 * home's third device has no endpoint, and with discovery on every round
 * would also wait the link probe's 3 s for it (what discovery costs is
 * bench/mesh_roaming.ts's to measure, not replication's).
 */
export const CHILD_ENV = { MYCEL_NO_PUSH: "1", NO_COLOR: "1", MYCEL_DISCOVERY: "off" };

/** A home built by make_home.ts, kept in `cache` across runs (built when missing). */
export async function cachedHome(
  cache: string,
  o: { entries: number; keys: number; devices?: number },
): Promise<string> {
  const devices = o.devices ?? 3;
  const dir = `${cache}/home-${o.entries}e-${o.keys}k-${devices}d`;
  try {
    await Deno.stat(`${dir}/made.json`);
    return dir;
  } catch {
    // not built yet
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(cache, { recursive: true });
  const made = await makeHome({ entries: o.entries, keys: o.keys, devices, out: dir });
  console.error(`built ${dir}: ${JSON.stringify(made)}`);
  await Deno.writeTextFile(`${dir}/made.json`, JSON.stringify(made));
  return dir;
}

/** Copy a cached home into `to` (without the marker), so a run may change it. */
export async function workHome(cached: string, to: string): Promise<string> {
  await copyHome(cached, to);
  await Deno.remove(`${to}/made.json`).catch(() => {});
  return to;
}

/** Run mycel in `home` to the end; throws on a non-zero exit unless `allow` lists the code. */
export async function mycel(
  home: string,
  args: string[],
  allow: number[] = [0],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(MYCEL[0], {
    args: [...MYCEL.slice(1), "--home", home, ...args],
    env: CHILD_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const r = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if (!allow.includes(r.code)) {
    throw new Error(`mycel ${args.join(" ")} exited ${r.code}: ${r.stderr}${r.stdout}`);
  }
  return r;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * A fresh device at `home` listening on `port`, peered with `with` (which
 * is told it accepts sync at `withEndpoint`): cards exchanged both ways.
 */
export async function freshPeer(
  home: string,
  port: number,
  withHome: string,
  withEndpoint: string,
): Promise<void> {
  await mycel(home, ["init", "--name", `fresh${port}`, "--listen", `127.0.0.1:${port}`]);
  await mycel(withHome, ["--no-sync", "mesh", "set-endpoint", withEndpoint]);
  const theirs = (await mycel(withHome, ["mesh", "card"])).stdout.trim();
  const ours = (await mycel(home, ["mesh", "card"])).stdout.trim();
  await mycel(home, ["--no-sync", "mesh", "add-peer", theirs]);
  await mycel(withHome, ["--no-sync", "mesh", "add-peer", ours]);
}

/** A mycel process running in the background, its output collected, its peak RSS sampled. */
export interface Running {
  readonly pid: number;
  /** Everything it printed so far, per stream. */
  output(): { stdout: string; stderr: string };
  /** Wait until `pattern` shows in its output (either stream); returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Peak RSS seen so far (bytes; sampled every 10 ms while it runs). */
  peakRss(): number;
  /** Its exit code, once it ended (SIGTERM after `killAfterMs`). */
  exit(killAfterMs?: number): Promise<number>;
}

/** Start `mycel ARGS` in `home` in the background. */
export function spawnMycel(home: string, args: string[]): Running {
  const child = new Deno.Command(MYCEL[0], {
    args: [...MYCEL.slice(1), "--home", home, ...args],
    env: CHILD_ENV,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const text = { stdout: "", stderr: "" };
  const drain = async (s: ReadableStream<Uint8Array>, k: "stdout" | "stderr") => {
    const d = new TextDecoder();
    for await (const chunk of s) text[k] += d.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout, "stdout"), drain(child.stderr, "stderr")]);
  let peak = 0, done = false;
  const sample = setInterval(async () => {
    if (!done) peak = Math.max(peak, (await peakRss(child.pid)) ?? 0);
  }, 10);
  const status = child.status.then((s) => {
    done = true;
    clearInterval(sample);
    return s.code;
  });
  return {
    pid: child.pid,
    output: () => ({ ...text }),
    async waitFor(pattern, timeoutMs = 30_000) {
      const t0 = Date.now();
      for (;;) {
        const m = pattern.exec(text.stdout) ?? pattern.exec(text.stderr);
        if (m) return m;
        if (done || Date.now() - t0 > timeoutMs) {
          throw new Error(`no ${pattern} from mycel ${args.join(" ")}: ${text.stderr}`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    peakRss: () => peak,
    async exit(killAfterMs = 60_000) {
      const timer = setTimeout(() => child.kill("SIGTERM"), killAfterMs);
      try {
        const code = await status;
        await drained;
        return code;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A running `mycel sync serve --listen`. */
export interface Server {
  readonly pid: number;
  /** Peak RSS so far (bytes). */
  peakRss(): Promise<number>;
  /** SIGTERM, then wait; returns its standard error. */
  stop(): Promise<string>;
}

/** Start `sync serve --listen 127.0.0.1:port` in `home` and wait until it listens. */
export async function serve(home: string, port: number, timeoutS = 600): Promise<Server> {
  const child = new Deno.Command(MYCEL[0], {
    args: [
      ...MYCEL.slice(1),
      "--home",
      home,
      "sync",
      "serve",
      "--listen",
      `127.0.0.1:${port}`,
      "--timeout",
      String(timeoutS),
    ],
    env: CHILD_ENV,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let stderr = "";
  const reader = child.stderr.getReader();
  const drained = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stderr += decoder.decode(value, { stream: true });
    }
  })();
  const t0 = Date.now();
  while (!/listening on/.test(stderr)) {
    if (Date.now() - t0 > 30_000) {
      child.kill("SIGKILL");
      throw new Error(`sync serve did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  let peak = 0;
  return {
    pid: child.pid,
    async peakRss() {
      peak = Math.max(peak, (await peakRss(child.pid)) ?? 0);
      return peak;
    },
    async stop() {
      peak = Math.max(peak, (await peakRss(child.pid)) ?? 0);
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.status;
      await drained;
      return stderr;
    },
  };
}
