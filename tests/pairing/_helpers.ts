/**
 * @module pairing_helpers
 * Helpers for the pairing integration tests: real `mycel` processes on
 * 127.0.0.1 (through tests/helpers/mycel.ts), free ports, an inviter started
 * with `pair --listen 127.0.0.1:PORT` whose code is read from its stdout, one
 * whole pairing, devices with a sync server, and a runner for the Deno
 * fixtures (the MITM proxy, the key-logging preload). Every background
 * process is ended by its own PID.
 */

import assert from "node:assert/strict";
import jsqrModule from "jsqr";
import {
  childEnv,
  describe,
  MAIN_TS,
  type MycelProcess,
  type MycelResult,
  type StatusJson,
  type TempHome,
  tempHome,
} from "../helpers/mycel.ts";

export { describe };

/** Matches a code printed by `mycel pair`. */
export const CODE_RE = /Pairing code: (MYCEL-[0-9A-Z-]+)/;
/** Matches the verification line both sides print. */
export const VERIFICATION_RE = /verification: (\d{4}-\d{4})/;

/** A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, close). */
export function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The verification string in `text`, or undefined. */
export function verificationOf(text: string): string | undefined {
  return text.match(VERIFICATION_RE)?.[1];
}

/** A running `mycel pair` (inviter side). */
export interface Inviter {
  /** The process. */
  proc: MycelProcess;
  /** The code it printed. */
  code: string;
  /** The port its pairing listener is bound to. */
  port: number;
}

/** Options for {@link startInviter}. */
export interface InviterOptions {
  /** `--ttl` (default 1m). */
  ttl?: string;
  /** Use `mesh add-device --name NAME` instead of `pair`. */
  name?: string;
}

/**
 * Start `mycel pair --listen 127.0.0.1:PORT --ttl TTL` on a free port for
 * `home`, and wait until it shows its code (its listener is bound before the
 * code is printed). Retries on a new port if the port was taken meanwhile.
 */
export async function startInviter(home: TempHome, o: InviterOptions = {}): Promise<Inviter> {
  for (let tries = 0;; tries++) {
    const port = freePort();
    const listen = ["--listen", `127.0.0.1:${port}`, "--ttl", o.ttl ?? "1m"];
    const args = o.name === undefined
      ? ["pair", ...listen]
      : ["mesh", "add-device", "--name", o.name, ...listen];
    const proc = home.spawn(args, { timeoutMs: 120_000 });
    try {
      const m = await proc.waitFor(CODE_RE, { stream: "stdout", timeoutMs: 20_000 });
      await proc.waitFor(/Waiting for one device/, { stream: "stderr", timeoutMs: 10_000 });
      return { proc, code: m[1], port };
    } catch (e) {
      await proc.stop();
      if (tries < 3 && /already in use/.test(proc.stderr)) continue;
      throw e;
    }
  }
}

/** What one completed pairing printed. */
export interface Pairing {
  /** The code used. */
  code: string;
  /** The inviter's result (exit 0). */
  inviter: MycelResult;
  /** The joiner's result (exit 0). */
  joiner: MycelResult;
  /** Verification string the inviter printed. */
  inviterVerification: string;
  /** Verification string the joiner printed. */
  joinerVerification: string;
  /** The joiner's device id. */
  joinerId: string;
}

/**
 * Pair `joiner` (a new or lone home) with the mesh of `inviter`:
 * `mycel pair` there, `mycel pair CODE --name NAME` here. Both must exit 0.
 */
export async function pair(
  inviter: TempHome,
  joiner: TempHome,
  joinerName: string,
): Promise<Pairing> {
  const inv = await startInviter(inviter);
  try {
    const joinArgs = ["pair", inv.code, "--name", joinerName];
    const j = await joiner.run(joinArgs, { timeoutMs: 60_000 });
    // A failed joiner leaves the inviter waiting until its code expires.
    const i = j.code === 0 ? await inv.proc.result() : await inv.proc.stop();
    assert.equal(j.code, 0, `joiner failed: ${describe(joinArgs, j)}\ninviter:\n${i.stderr}`);
    assert.equal(i.code, 0, `inviter failed: ${describe(["pair"], i)}\njoiner:\n${j.stderr}`);
    const joinerId = j.stdout.match(/This device is (\S+)/)?.[1] ??
      i.stdout.match(/paired with \S+ \((\S+)\)/)?.[1];
    assert.ok(joinerId, `no device id in the output:\n${j.stdout}\n${i.stdout}`);
    return {
      code: inv.code,
      inviter: i,
      joiner: j,
      inviterVerification: verificationOf(i.stderr) ?? "",
      joinerVerification: verificationOf(j.stderr) ?? "",
      joinerId,
    };
  } finally {
    await inv.proc.stop();
  }
}

/** One device under test: a temp home, a sync port, maybe a running server. */
export class Device implements AsyncDisposable {
  /** Its temporary home. */
  readonly t: TempHome;
  /** Its name. */
  readonly name: string;
  /** The port its `sync serve --listen` uses. */
  readonly port: number;
  /** The running sync server, if any. */
  server?: MycelProcess;
  /** Its device id, once known. */
  id = "";

  constructor(t: TempHome, name: string) {
    this.t = t;
    this.name = name;
    this.port = freePort();
  }

  /** Its sync endpoint. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `mycel init --name NAME --listen ENDPOINT` (a new mesh). */
  async init(): Promise<void> {
    await this.t.ok(["init", "--name", this.name, "--listen", this.endpoint]);
    this.id = (await this.status()).device.id;
  }

  /** Record the sync endpoint after pairing (without pushing). */
  async setEndpoint(): Promise<void> {
    await this.t.ok(["--no-sync", "mesh", "set-endpoint", this.endpoint]);
  }

  /** `status --json`. */
  status(): Promise<StatusJson> {
    return this.t.json<StatusJson>(["status", "--json"]);
  }

  /** `mesh list --json`. */
  meshList(): Promise<MeshRow[]> {
    return this.t.json<MeshRow[]>(["mesh", "list", "--json"]);
  }

  /** Start `sync serve --listen ENDPOINT` and wait until it listens. */
  async serve(): Promise<MycelProcess> {
    if (this.server && !this.server.exited) return this.server;
    const server = this.t.spawn(["sync", "serve", "--listen", this.endpoint], {
      timeoutMs: 170_000,
    });
    this.server = server;
    await server.waitFor(/listening on/, { stream: "stderr", timeoutMs: 20_000 });
    return server;
  }

  /** Stop the sync server (by PID). */
  async stopServer(): Promise<void> {
    await this.server?.stop("SIGTERM");
  }

  /** `sync now --json` (any exit code); the per-peer outcomes. */
  async syncNow(): Promise<{ code: number; outcomes: SyncOutcome[]; raw: MycelResult }> {
    const r = await this.t.run(["sync", "now", "--json", "--timeout", "15"]);
    let outcomes: SyncOutcome[] = [];
    try {
      outcomes = JSON.parse(r.stdout);
    } catch {
      // not JSON: left empty, the caller sees raw
    }
    return { code: r.code, outcomes, raw: r };
  }

  /** Stop the server and remove the home. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.server?.stop();
    await this.t.cleanup();
  }
}

/** A fresh {@link Device} (not initialised). */
export async function device(name: string): Promise<Device> {
  return new Device(await tempHome(`mycel-pair-${name}-`), name);
}

/** One row of `mesh list --json`. */
export interface MeshRow {
  id: string;
  name: string;
  self: boolean;
  ipv4: string;
  endpoints: string[];
  admitted: { by: string; by_name: string; at: string } | null;
  revoked: { by: string; by_name: string; at: string } | null;
  last_seen: string | null;
}

/** One peer's line of `sync now --json`. */
export interface SyncOutcome {
  id: string;
  name: string;
  status: string;
  sent: number;
  received: number;
  error: string | null;
}

/** True when a mycel home was created at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Wait for `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------
// Deno fixture processes (the proxy, mycel with a preload)

/** A Deno script running in the background; output collected as it arrives. */
export class ScriptProcess implements AsyncDisposable {
  /** The child. */
  readonly child: Deno.ChildProcess;
  /** Standard output so far. */
  stdout = "";
  /** Standard error so far. */
  stderr = "";
  readonly #done: Promise<MycelResult>;
  readonly #started = performance.now();
  #exited = false;

  /** `deno ARGS...` with exactly the environment `env`. */
  constructor(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
    const child = new Deno.Command(Deno.execPath(), {
      args,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.kill("SIGKILL");
    }, timeoutMs);
    const drain = async (s: ReadableStream<Uint8Array>, which: "stdout" | "stderr") => {
      const d = new TextDecoder();
      for await (const chunk of s) this[which] += d.decode(chunk, { stream: true });
    };
    this.#done = (async () => {
      const [status] = await Promise.all([
        child.status,
        drain(child.stdout, "stdout"),
        drain(child.stderr, "stderr"),
      ]);
      this.#exited = true;
      clearTimeout(timer);
      return {
        code: status.code,
        signal: status.signal,
        stdout: this.stdout,
        stderr: this.stderr,
        timedOut,
        ms: performance.now() - this.#started,
      };
    })();
  }

  /** True once it exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Send `signal` by PID unless it already exited. */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    if (this.#exited) return;
    try {
      this.child.kill(signal);
    } catch {
      // exited meanwhile
    }
  }

  /** Poll until stdout+stderr match `pattern`. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const m = `${this.stdout}\n${this.stderr}`.match(pattern);
      if (m) return m;
      if (this.#exited || performance.now() > deadline) {
        throw new Error(
          `${this.#exited ? "exited" : "timed out"} before ${pattern}\n` +
            `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}`,
        );
      }
      await sleep(25);
    }
  }

  /** Wait for the exit. */
  result(): Promise<MycelResult> {
    return this.#done;
  }

  /** Kill (by PID) if running, and wait. */
  async stop(signal: Deno.Signal = "SIGKILL"): Promise<MycelResult> {
    this.kill(signal);
    return await this.#done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Path of a fixture script. */
export function fixture(name: string): string {
  return new URL(`fixtures/${name}`, import.meta.url).pathname;
}

/**
 * Run `mycel ARGS...` with the key-logging preload (fixtures/key_spy.ts): the
 * Noise PSKs it uses (the CPace key) are appended, hex, to `keylog`.
 */
export function spawnSpied(home: TempHome, args: string[], keylog: string): ScriptProcess {
  return new ScriptProcess(
    ["run", "-A", "--preload", fixture("key_spy.ts"), MAIN_TS, ...args],
    childEnv({ home: home.home, env: { PAIRING_SPY_KEYLOG: keylog } }),
  );
}

/** Start the proxy fixture with `args`; resolves once it listens, with its port. */
export async function startProxy(
  args: string[],
): Promise<{ proc: ScriptProcess; port: number }> {
  const proc = new ScriptProcess(["run", "-A", fixture("mitm_proxy.ts"), ...args], childEnv());
  const m = await proc.waitFor(/proxy listening on 127\.0\.0\.1:(\d+)/);
  return { proc, port: Number(m[1]) };
}

/** Does `haystack` contain `needle` as a contiguous byte run? */
export function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// QR decoding, the approach of tests/cli/qr_test.ts

// CommonJS interop: at run time the default import is jsQR itself, while the
// type checker sees the module object; accept either.
const jsQR: typeof jsqrModule.default = typeof jsqrModule === "function"
  ? jsqrModule
  : jsqrModule.default;

const HALVES: Record<string, [boolean, boolean]> = {
  "█": [true, true],
  "▀": [true, false],
  "▄": [false, true],
  " ": [false, false],
};

/**
 * Decode a half-block QR as `mycel pair` prints it: text lines to rows of
 * painted flags (two per line), strip the uniform edges, fix the polarity by
 * the finder pattern's dark corner, rasterise with a quiet zone and run jsQR.
 */
export function decodeTerminalQr(text: string): string | null {
  const lines = text.split("\n");
  const width = [...lines[0]].length;
  let m: boolean[][] = [];
  for (const line of lines) {
    const chars = [...line];
    if (chars.length !== width) throw new Error(`ragged QR line: ${JSON.stringify(line)}`);
    const halves = chars.map((c) => {
      if (!(c in HALVES)) throw new Error(`unexpected QR character ${JSON.stringify(c)}`);
      return HALVES[c];
    });
    m.push(halves.map((h) => h[0]), halves.map((h) => h[1]));
  }
  const uniform = (xs: boolean[]) => xs.every((x) => x === xs[0]);
  const column = (c: number) => m.map((r) => r[c]);
  for (let changed = true; changed;) {
    changed = false;
    if (m.length && uniform(m[0])) [m, changed] = [m.slice(1), true];
    if (m.length && uniform(m[m.length - 1])) [m, changed] = [m.slice(0, -1), true];
    if (m.length && uniform(column(0))) [m, changed] = [m.map((r) => r.slice(1)), true];
    if (m.length && uniform(column(m[0].length - 1))) {
      [m, changed] = [m.map((r) => r.slice(0, -1)), true];
    }
  }
  if (m.length !== m[0]?.length || (m.length - 21) % 4 !== 0) {
    throw new Error(`not a QR symbol: ${m.length} rows`);
  }
  const paintedIsLight = !m[0][0];
  const dark = m.map((r) => r.map((p) => p !== paintedIsLight));
  const scale = 4, quiet = 4, n = dark.length, size = (n + 2 * quiet) * scale;
  const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.floor(y / scale) - quiet, c = Math.floor(x / scale) - quiet;
      if (r >= 0 && r < n && c >= 0 && c < n && dark[r][c]) {
        rgba.fill(0, (y * size + x) * 4, (y * size + x) * 4 + 3);
      }
    }
  }
  return jsQR(rgba, size, size, { inversionAttempts: "dontInvert" })?.data ?? null;
}
