/**
 * @module key_runner
 * The one place the key stores run outside tools (`secret-tool`, `security`,
 * `systemd-creds`). Everything goes through a {@link KeyRunner} so the
 * command lines can be tested without the tool (macOS's `security` does not
 * exist here) and so three rules hold for every call:
 * - secrets travel on stdin (or stdout, for a lookup), never in argv;
 * - the child gets a scrubbed environment built by {@link toolEnv}: only the
 *   variables the tool needs (never MYCEL_PASSPHRASE or anything else of ours);
 * - every call has a deadline: a keyring waiting for a GUI unlock prompt
 *   must not hang a timer-driven sync; the child is killed by its own PID,
 *   at the deadline or on Ctrl-C (the call's `signal`), which then throws
 *   `sync_interrupted` (exit 130) rather than answer as a failing tool.
 */

import { concatBytes } from "../bytes.ts";
import { deadlineSignal, interruption, pause } from "../deadline.ts";

/** Result of one tool run. */
export interface KeyToolResult {
  /** Exit code (-1 when killed at the deadline, 127 when the tool is missing). */
  code: number;
  /** Standard output (may hold a secret: never log it). */
  stdout: string;
  /** Standard error. */
  stderr: string;
  /** True when the deadline passed and the child was killed. */
  timedOut: boolean;
  /** True when the tool is not installed. */
  missing: boolean;
}

/** One tool invocation. */
export interface KeyToolCall {
  /** Data for standard input (the secret, when storing). */
  stdin?: string | Uint8Array;
  /** The child's whole environment (see {@link toolEnv}). */
  env: Record<string, string>;
  /** Kill the child after this many ms. */
  timeoutMs: number;
  /** Ctrl-C / SIGTERM (main.ts): kills the child too, and the call throws the interruption. */
  signal?: AbortSignal;
}

/** Runs key tools; tests pass a fake one that records the calls. */
export interface KeyRunner {
  /**
   * Run `cmd args` to completion. Never throws for a failing or missing
   * tool; throws `sync_interrupted` when `call.signal` aborts first.
   */
  run(cmd: string, args: readonly string[], call: KeyToolCall): Promise<KeyToolResult>;
}

/** Variables every key tool may see (when set). */
const BASE_ENV = ["PATH", "HOME", "LANG", "LC_ALL"];

/**
 * The environment for a key tool: `names` (plus PATH, HOME, LANG, LC_ALL)
 * copied from `env` when set, nothing else.
 */
export function toolEnv(
  env: (name: string) => string | undefined,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [...BASE_ENV, ...names]) {
    const v = env(n);
    if (v !== undefined && v !== "") out[n] = v;
  }
  out.PATH ??= "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
  return out;
}

/** How long (ms) a tool's pipes are read after it exited, for what it wrote last. */
const PIPE_GRACE_MS = 200;

/** The real runner (Deno.Command, cleared environment, deadline). */
export const systemKeyRunner: KeyRunner = {
  async run(cmd, args, call) {
    // Interrupted already: no tool is started for a command that is ending.
    if (call.signal?.aborted) throw interruption(`run ${cmd}`, call.signal);
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(cmd, {
        args: [...args],
        env: call.env,
        clearEnv: true,
        stdin: call.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return { code: 127, stdout: "", stderr: "", timedOut: false, missing: true };
      }
      throw e;
    }
    // Not Deno.Command's own `signal`: that sends SIGTERM, which a tool may
    // ignore. And once the tool is dead its pipes are given up: a process it
    // left behind (a D-Bus daemon it started) may hold them open for good.
    using deadline = deadlineSignal(call.timeoutMs, `run ${cmd}`, call.signal);
    const killed = new Promise<void>((resolve) =>
      deadline.signal.addEventListener("abort", () => {
        try {
          child.kill("SIGKILL");
        } catch {
          // it exited meanwhile
        }
        child.status.then(() => resolve());
      }, { once: true })
    );
    // A tool that exited in time answered: what it wrote is in the pipes by
    // then, so they are given up shortly after, not at the deadline (a daemon
    // it left behind holding them made an answered call "timed out").
    const over = new AbortController();
    const exited = child.status.then(() => pause(PIPE_GRACE_MS, over.signal));
    const stop = Promise.race([killed, exited]);
    const stdout = readAll(child.stdout, stop);
    const stderr = readAll(child.stderr, stop);
    if (call.stdin !== undefined) {
      const w = child.stdin.getWriter();
      const data = typeof call.stdin === "string"
        ? new TextEncoder().encode(call.stdin)
        : call.stdin;
      await w.write(data).catch(() => {}); // a tool that exits early closes the pipe
      await w.close().catch(() => {});
    }
    const [status, out, err] = await Promise.all([child.status, stdout, stderr])
      .finally(() => over.abort());
    // Killed on Ctrl-C: what the tool said (nothing) is not an answer.
    if (deadline.signal.aborted && !deadline.expired) throw deadline.signal.reason;
    return {
      code: deadline.expired ? -1 : status.code,
      stdout: out,
      stderr: err,
      timedOut: deadline.expired,
      missing: false,
    };
  },
};

/** `stream` read to its end, or what came of it until `stop` settles. */
async function readAll(stream: ReadableStream<Uint8Array>, stop: Promise<void>): Promise<string> {
  const reader = stream.getReader();
  stop.then(() => reader.cancel().catch(() => {}));
  const parts: Uint8Array[] = [];
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  } catch {
    // cancelled at the deadline, or the pipe broke: keep what came
  }
  return new TextDecoder().decode(concatBytes(...parts));
}

/** First line of a tool's error output, trimmed and bounded (it never holds our secret). */
export function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  // deno-lint-ignore no-control-regex
  return line.replace(/[\x00-\x1f\x7f]/g, " ").slice(0, 200);
}
