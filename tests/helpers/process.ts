/**
 * @module process_helper
 * Child processes for the tests, any command: {@link Proc} runs one in the
 * background, collects its output as it arrives, waits for a pattern in it
 * ({@link Proc.waitFor}), and kills it — only ever by its own PID — at a
 * deadline, on {@link Proc.stop}, or when an `await using` scope ends.
 * {@link runProcess} runs a command to completion; {@link which} finds one
 * on PATH. `MycelProcess` in tests/helpers/mycel.ts is a {@link Proc} that
 * runs `deno run -A --v8-flags=… main.ts ARGS...` (src/runtime_flags.ts).
 *
 * ```ts
 * await using server = spawnProcess(bin, ["sync", "serve"], { env, clearEnv: true });
 * await server.waitFor(/listening on/, { stream: "stderr" });
 * const r = await server.stop("SIGTERM");
 * const out = await runProcess("wg", ["--version"], { timeoutMs: 5000 });
 * ```
 */

/** Default deadline of one process (ms). */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Default time {@link Proc.waitFor} waits (ms). */
export const DEFAULT_WAIT_MS = 30_000;

/** How to start one process. */
export interface ProcOptions {
  /**
   * Environment variables: added to the test process's own environment, or
   * the whole environment with {@link ProcOptions.clearEnv}.
   */
  env?: Record<string, string>;
  /** Start from an empty environment (only `env`). */
  clearEnv?: boolean;
  /** Working folder of the child (default: the test process's). */
  cwd?: string;
  /**
   * Standard input: data to write and close, `"piped"` to keep it open
   * (write through {@link Proc.child}`.stdin`), or `"null"` (default).
   */
  stdin?: string | Uint8Array | "piped" | "null";
  /** Kill the child with SIGKILL after this many ms (default 60 s). 0 = never. */
  timeoutMs?: number;
  /** Name of the process in error messages (default: its command line). */
  name?: string;
}

/** What a finished process left behind. */
export interface ProcResult {
  /** Exit code (128 + signal number when killed by a signal). */
  code: number;
  /** The signal that ended it, if any. */
  signal: Deno.Signal | null;
  /** Everything written to standard output. */
  stdout: string;
  /** Everything written to standard error. */
  stderr: string;
  /** True when the deadline passed and the helper killed it. */
  timedOut: boolean;
  /** Wall time from spawn to exit (ms). */
  ms: number;
}

/** What {@link Proc.waitFor} watches and for how long. */
export interface WaitForOptions {
  /** Which output to search (default both: stdout, a newline, stderr). */
  stream?: "stdout" | "stderr" | "both";
  /** Give up after this many ms (default 30 s). */
  timeoutMs?: number;
  /**
   * Skip this many characters of the watched text, e.g. `p.stderr.length`
   * taken before an action, to match only what came after it (default 0).
   */
  from?: number;
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new TextEncoder().encode(data) : data;
}

/** Read a stream to the end, appending decoded text through `sink`. */
async function drain(
  stream: ReadableStream<Uint8Array>,
  sink: (text: string) => void,
): Promise<void> {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
  sink(decoder.decode());
}

/**
 * A process running in the background. Its output is collected as it
 * arrives; `await using` (or {@link Proc.stop}) kills it by PID if it is
 * still running and waits for it.
 */
export class Proc implements AsyncDisposable {
  /** The Deno child process (for `pid`, `stdin` when piped, `status`). */
  readonly child: Deno.ChildProcess;
  /** The name used in error messages. */
  readonly name: string;
  /** Standard output so far. */
  stdout = "";
  /** Standard error so far. */
  stderr = "";
  /** True once the deadline killed the child. */
  timedOut = false;
  readonly #started = performance.now();
  readonly #result: Promise<ProcResult>;
  readonly #waiters = new Set<() => void>();
  #exited = false;

  /** Start `cmd ARGS...`; see {@link spawnProcess}. */
  constructor(cmd: string, args: readonly string[], options: ProcOptions = {}) {
    this.name = options.name ?? [cmd, ...args].join(" ");
    const stdinMode = options.stdin === undefined || options.stdin === "null" ? "null" : "piped";
    const child = new Deno.Command(cmd, {
      args: [...args],
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv,
      stdin: stdinMode,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    const feed = async () => {
      const data = options.stdin;
      if (data !== undefined && data !== "piped" && data !== "null") {
        const w = child.stdin.getWriter();
        try {
          await w.write(toBytes(data));
          await w.close();
        } catch {
          // The child exited (or was killed) before reading its input.
        }
      }
    };
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        this.timedOut = true;
        this.kill("SIGKILL");
      }, timeoutMs)
      : undefined;
    const out = drain(child.stdout, (t) => this.#append("stdout", t));
    const err = drain(child.stderr, (t) => this.#append("stderr", t));
    this.#result = (async () => {
      const [status] = await Promise.all([child.status, out, err, feed()]);
      if (options.stdin === "piped") {
        // Release a still-open stdin (unless the test holds its writer).
        await child.stdin.abort().catch(() => {});
      }
      this.#exited = true;
      clearTimeout(timer);
      this.#wake();
      return {
        code: status.code,
        signal: status.signal,
        stdout: this.stdout,
        stderr: this.stderr,
        timedOut: this.timedOut,
        ms: performance.now() - this.#started,
      };
    })();
  }

  #append(which: "stdout" | "stderr", text: string): void {
    if (text === "") return;
    this[which] += text;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters) w();
  }

  /** The child's PID. */
  get pid(): number {
    return this.child.pid;
  }

  /** True once the child has exited and its output is collected. */
  get exited(): boolean {
    return this.#exited;
  }

  /**
   * Send `signal` to the child by its PID. Returns false when it had already
   * exited (nothing is sent then, so a reused PID is never hit).
   */
  kill(signal: Deno.Signal = "SIGTERM"): boolean {
    if (this.#exited) return false;
    try {
      this.child.kill(signal);
      return true;
    } catch {
      return false; // exited between the check and the kill
    }
  }

  /** Wait for the child to exit; resolves with its code and output. */
  result(): Promise<ProcResult> {
    return this.#result;
  }

  /**
   * Wait until standard output or error (as chosen) matches `pattern`;
   * returns the match. Rejects when the child exits first or after
   * `timeoutMs`.
   */
  async waitFor(pattern: RegExp, options: WaitForOptions = {}): Promise<RegExpMatchArray> {
    const stream = options.stream ?? "both";
    const text = () =>
      (stream === "stdout"
        ? this.stdout
        : stream === "stderr"
        ? this.stderr
        : `${this.stdout}\n${this.stderr}`).slice(options.from ?? 0);
    const deadline = performance.now() + (options.timeoutMs ?? DEFAULT_WAIT_MS);
    while (true) {
      const m = text().match(pattern);
      if (m) return m;
      if (this.#exited) {
        throw new Error(
          `${this.name} (pid ${this.pid}) exited before printing ${pattern}\n${this.#describe()}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${pattern} from ${this.name} (pid ${this.pid})\n${this.#describe()}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      let waiter: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        waiter = resolve;
        this.#waiters.add(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
      this.#waiters.delete(waiter!);
    }
  }

  #describe(): string {
    return `--- stdout ---\n${this.stdout}--- stderr ---\n${this.stderr}`;
  }

  /** Kill the child (by PID) if it still runs, and wait for it. */
  async stop(signal: Deno.Signal = "SIGKILL"): Promise<ProcResult> {
    this.kill(signal);
    return await this.#result;
  }

  /** `await using` support: stop and wait. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/** Start `cmd ARGS...` in the background. End it with `.kill()` / `.stop()`. */
export function spawnProcess(
  cmd: string,
  args: readonly string[],
  options: ProcOptions = {},
): Proc {
  return new Proc(cmd, args, options);
}

/**
 * Run `cmd ARGS...` to completion. Never throws for a non-zero exit; rejects
 * when the command cannot be started (e.g. it does not exist).
 */
export async function runProcess(
  cmd: string,
  args: readonly string[],
  options: ProcOptions = {},
): Promise<ProcResult> {
  return await new Proc(cmd, args, options).result();
}

/**
 * Absolute path of the executable file `cmd` on `path` (default PATH),
 * searched like the shell does, or undefined.
 */
export function which(cmd: string, path = Deno.env.get("PATH") ?? ""): string | undefined {
  for (const dir of path.split(":")) {
    if (dir === "") continue;
    try {
      const info = Deno.statSync(`${dir}/${cmd}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return `${dir}/${cmd}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The PID a stand-in tool wrote to `pidFile` (`echo $$ > FILE`) once `p` ran
 * it; throws `never` (with `p`'s stderr) when `p` exits first or 10 s pass.
 */
export async function pidFromFile(
  pidFile: string,
  p: { readonly exited: boolean; readonly stderr: string },
  never: string,
): Promise<number> {
  for (let i = 0;; i++) {
    const text = await Deno.readTextFile(pidFile).catch(() => "");
    if (/^\d+\n$/.test(text)) return Number(text);
    if (i > 400 || p.exited) throw new Error(`${never}: ${p.stderr}`);
    await sleep(25);
  }
}
