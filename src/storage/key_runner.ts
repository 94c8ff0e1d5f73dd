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

import { runTool } from "../tool_run.ts";

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

/** The real runner (src/tool_run.ts: cleared environment, deadline, killed by PID). */
export const systemKeyRunner: KeyRunner = {
  async run(cmd, args, call) {
    try {
      return { ...await runTool(cmd, args, call), missing: false };
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return { code: 127, stdout: "", stderr: "", timedOut: false, missing: true };
      }
      throw e;
    }
  },
};

/** First line of a tool's error output, trimmed and bounded (it never holds our secret). */
export function firstLine(text: string): string {
  const line = text.trim().split("\n")[0] ?? "";
  // deno-lint-ignore no-control-regex
  return line.replace(/[\x00-\x1f\x7f]/g, " ").slice(0, 200);
}
