/**
 * @module mycel_helper
 * Run mycel as a real process, the way users (and systemd, and cron) do:
 * `deno run -A main.ts ARGS...` with its own environment, home, stdin and
 * working folder, and a deadline after which the child is killed by PID.
 *
 * ```ts
 * await using home = await tempHome();
 * const r = await home.run(["pref", "set", "theme", "dark"]);
 * assert.equal(r.code, 0);
 * const status = await home.json<{ device: { id: string } }>(["status", "--json"]);
 *
 * await using server = home.spawn(["sync", "serve", "--listen", "127.0.0.1:0"]);
 * await server.waitFor(/listening on (\S+)/);
 * server.kill("SIGTERM");
 * ```
 *
 * The child's environment is the test process's environment without any
 * `MYCEL_*` variable (so a developer's own settings never leak in) and
 * without `DBUS_SESSION_BUS_ADDRESS` (never the developer's keyring), plus
 * `NO_COLOR=1` and `MYCEL_NO_PUSH=1` (no detached push outlives a test),
 * plus `MYCEL_HOME` when a home is given, plus `env`. Children
 * are only ever ended by their own PID (`child.kill`), never by name; the
 * process machinery (output, waiting, deadlines) is `Proc` from
 * tests/helpers/process.ts.
 */

import { fileURLToPath } from "node:url";
import { Proc, type ProcResult } from "./process.ts";
import { denoRunArgs } from "../../src/runtime_flags.ts";

/**
 * Absolute path of mycel's `main.ts`, or of what `MYCEL_TEST_MAIN` names: the
 * process tests can be run against the bundle (scripts/bundle.ts) with
 * `MYCEL_TEST_MAIN=$PWD/dist/bundle/main.js` (tests that run mycel in this
 * process, or preload a spy into a source module, still test the sources).
 */
export const MAIN_TS: string = Deno.env.get("MYCEL_TEST_MAIN") ??
  fileURLToPath(new URL("../../main.ts", import.meta.url));

/** The repository root (the folder holding `main.ts`). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(
  /\/$/,
  "",
);

/** How to run one mycel process. */
export interface MycelOptions {
  /** Home folder, passed as `MYCEL_HOME` (argv stays exactly as given). */
  home?: string;
  /** Extra environment; a value of `undefined` removes the variable. */
  env?: Record<string, string | undefined>;
  /** Working folder of the child (default: the test process's). */
  cwd?: string;
  /** Data written to the child's standard input, which is then closed. */
  stdin?: string | Uint8Array;
  /** Kill the child with SIGKILL after this many ms (default 60 s). 0 = never. */
  timeoutMs?: number;
  /**
   * Run as this user and group (no supplementary groups), through
   * `setpriv`: for what only an unprivileged user meets (permission errors).
   * Needs root; give it a `DENO_DIR` the user may write (see {@link tempHome}).
   */
  user?: { uid: number; gid: number };
}

/** Options for a background process. */
export interface SpawnOptions extends Omit<MycelOptions, "stdin"> {
  /**
   * Standard input: data to write and close, `"piped"` to keep it open
   * (write through {@link MycelProcess.child}`.stdin`), or `"null"` (default).
   */
  stdin?: string | Uint8Array | "piped" | "null";
}

/** What a finished mycel process left behind (see {@link ProcResult}). */
export type MycelResult = ProcResult;

/** The environment a mycel child gets (see the module doc). */
export function childEnv(options: Pick<MycelOptions, "home" | "env"> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (!k.startsWith("MYCEL_")) env[k] = v;
  }
  env.NO_COLOR = "1";
  // Deno run from source asks dl.deno.land for a newer version (a DNS query
  // off this machine, on every start while it fails): tests stay on loopback.
  env.DENO_NO_UPDATE_CHECK = "1";
  // No detached background push outliving the test (tests of the push unset it).
  env.MYCEL_NO_PUSH = "1";
  // Loopback tests do not depend on the host's interfaces: no address of its
  // own is advertised, and no discovery probe leaves the machine (the
  // namespace tests, which want both, unset these).
  env.MYCEL_ADDRESSES = "";
  env.MYCEL_DISCOVERY = "off";
  // Never the user's own keyring: tests that want one start a private bus.
  delete env.DBUS_SESSION_BUS_ADDRESS;
  if (options.home !== undefined) env.MYCEL_HOME = options.home;
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/**
 * A mycel process running in the background: a {@link Proc} running
 * `deno run -A main.ts ARGS...` with the environment of {@link childEnv}.
 * `await using` (or `stop()`) kills it by PID if it is still running and
 * waits for it.
 */
export class MycelProcess extends Proc {
  /** Start `mycel ARGS...`; see {@link spawn}. */
  constructor(args: readonly string[], options: SpawnOptions = {}) {
    const deno = [Deno.execPath(), ...denoRunArgs(MAIN_TS), ...args];
    const u = options.user;
    // setpriv execs deno in place: the PID stays the one to kill.
    const [cmd, ...argv] = u === undefined ? deno : [
      "setpriv",
      `--reuid=${u.uid}`,
      `--regid=${u.gid}`,
      "--clear-groups",
      "--",
      ...deno,
    ];
    super(cmd, argv, {
      cwd: options.cwd,
      env: childEnv(options),
      clearEnv: true,
      stdin: options.stdin,
      timeoutMs: options.timeoutMs,
      name: "mycel",
    });
  }
}

/** Start `mycel ARGS...` in the background. Kill it with `.kill()` / `.stop()`. */
export function spawn(args: readonly string[], options: SpawnOptions = {}): MycelProcess {
  return new MycelProcess(args, options);
}

/** Run `mycel ARGS...` to completion. Never throws for a non-zero exit. */
export function mycel(args: readonly string[], options: MycelOptions = {}): Promise<MycelResult> {
  return new MycelProcess(args, options).result();
}

/** Describe a result for assertion messages. */
export function describe(args: readonly string[], r: MycelResult): string {
  return `mycel ${args.map((a) => JSON.stringify(a)).join(" ")} → exit ${r.code}` +
    (r.signal ? ` (${r.signal})` : "") + (r.timedOut ? " (timed out)" : "") +
    `\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
}

/** Run `mycel ARGS...` and throw (with its output) unless it exits 0. */
export async function ok(
  args: readonly string[],
  options: MycelOptions = {},
): Promise<MycelResult> {
  const r = await mycel(args, options);
  if (r.code !== 0) throw new Error(`expected exit 0: ${describe(args, r)}`);
  return r;
}

/** Run `mycel ARGS...`, require exit 0, and parse standard output as JSON. */
export async function json<T = unknown>(
  args: readonly string[],
  options: MycelOptions = {},
): Promise<T> {
  const r = await ok(args, options);
  try {
    return JSON.parse(r.stdout) as T;
  } catch (e) {
    throw new Error(`stdout is not JSON (${(e as Error).message}): ${describe(args, r)}`);
  }
}

/**
 * A temporary folder holding one mycel home (at `home`, not created yet, so
 * the first command creates it) and room for other files (`path(name)`).
 * `cleanup()` — or leaving an `await using` scope, even by an exception —
 * removes everything.
 */
export class TempHome implements AsyncDisposable {
  /** The temporary folder. */
  readonly dir: string;
  /** The mycel home inside it. */
  readonly home: string;
  /** Options every run from this home gets (merged under per-call ones). */
  readonly defaults: MycelOptions;

  constructor(dir: string, defaults: MycelOptions = {}) {
    this.dir = dir;
    this.home = `${dir}/home`;
    this.defaults = defaults;
  }

  #opts<T extends MycelOptions | SpawnOptions>(options: T): T {
    return {
      ...this.defaults,
      home: this.home,
      ...options,
      env: { ...this.defaults.env, ...options.env },
    } as T;
  }

  /** A path inside the temporary folder (outside the home). */
  path(name: string): string {
    return `${this.dir}/${name}`;
  }

  /** Write a text file inside the temporary folder; returns its path. */
  async writeFile(name: string, text: string): Promise<string> {
    const p = this.path(name);
    await Deno.writeTextFile(p, text);
    return p;
  }

  /** {@link mycel} with this home. */
  run(args: readonly string[], options: MycelOptions = {}): Promise<MycelResult> {
    return mycel(args, this.#opts(options));
  }

  /** {@link ok} with this home. */
  ok(args: readonly string[], options: MycelOptions = {}): Promise<MycelResult> {
    return ok(args, this.#opts(options));
  }

  /** {@link json} with this home. */
  json<T = unknown>(args: readonly string[], options: MycelOptions = {}): Promise<T> {
    return json<T>(args, this.#opts(options));
  }

  /** {@link spawn} with this home. */
  spawn(args: readonly string[], options: SpawnOptions = {}): MycelProcess {
    return spawn(args, this.#opts(options));
  }

  /** Remove the folder and everything in it (idempotent). */
  async cleanup(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }

  /** `await using` support. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/**
 * A fresh {@link TempHome}; `prefix` names the folder for easier debugging.
 * With `defaults.user`, the folder belongs to that user and its processes
 * keep deno's cache in it (`DENO_DIR`).
 */
export async function tempHome(
  prefix = "mycel-test-",
  defaults: MycelOptions = {},
): Promise<TempHome> {
  const dir = await Deno.makeTempDir({ prefix });
  const u = defaults.user;
  if (u === undefined) return new TempHome(dir, defaults);
  // Another user's processes own the folder and keep deno's cache in it.
  await Deno.chown(dir, u.uid, u.gid);
  const env = { DENO_DIR: `${dir}/.deno`, ...defaults.env };
  return new TempHome(dir, { ...defaults, env });
}

/** Shapes of `--json` output, as documented in src/cli/json_types.ts. */
export type { LogEntryJson, PeerJson, StatusJson } from "../../src/cli/json_types.ts";

/** One line (one peer) of `sync now --json`, as src/cli/sync_outcome.ts makes it. */
export interface SyncLineJson {
  /** The peer's device id. */
  id: string;
  /** The peer's name. */
  name: string;
  /** How the session with it ended. */
  status: "synced" | "unreachable" | "refused" | "failed";
  /** Entries sent to it. */
  sent: number;
  /** Entries received from it. */
  received: number;
  /** Whether a signed checkpoint of the state went either way instead of (older) entries. */
  checkpoint: { sent: boolean; received: boolean };
  /** A side stopped at its session budget: the next round continues. */
  more: boolean;
  /** The route taken (null when unreachable). */
  path: string | null;
  /** The address dialled, if any. */
  address: string | null;
  /** Why it did not sync, if it did not. */
  error: string | null;
  /** Why, as a stable code (e.g. `peer_disk_full`), if it did not sync and one is known. */
  code: string | null;
  /** Forks detected in what it sent. */
  forks: number;
}
