/**
 * @module system
 * The one place mycel runs `ip`, `wg`, `wireguard-go` (and on macOS
 * `ifconfig`, `route`, `netstat`; for the service layer `systemctl`,
 * `launchctl`, `crontab`). Everything goes through a {@link Runner} so the
 * mesh logic can be tested with a fake one and the macOS commands rendered
 * on Linux. Secrets only ever travel on stdin, never in argv; children get a
 * scrubbed environment and arguments with control characters are refused
 * before anything runs (see child_env.ts). Every run has a deadline
 * (tool_deadline.ts) and ends on Ctrl-C, the tool killed either way
 * (src/tool_run.ts): a hung `wg` or `systemctl` fails the command by name.
 */

import { MycelError } from "../errors.ts";
import { checkCommand, childEnvironment } from "./child_env.ts";
import { runTool } from "../tool_run.ts";
import { TOOL_DEADLINE_KNOB, toolDeadline, toolTimeout } from "./tool_deadline.ts";

/** Result of one command. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Options of one {@link Runner.run}. */
export interface RunOptions {
  /** Fed on stdin (a private key: never in argv). */
  stdin?: string;
  /** This call's deadline (default: the tool's, {@link toolDeadline}). */
  timeoutMs?: number;
}

/** Runs system commands. */
export interface Runner {
  /**
   * Run `cmd args` to completion, feeding `stdin` if given. Throws
   * `tool_timeout` when it does not answer within its deadline,
   * `sync_interrupted` on Ctrl-C (the tool killed either way).
   */
  run(cmd: string, args: string[], options?: RunOptions): Promise<RunResult>;
  /** Start `cmd args` in the background, detached from our stdio; returns its PID. */
  start(cmd: string, args: string[], env?: Record<string, string>): number;
}

/** The operating systems whose interface commands mycel knows. */
export type Platform = "linux" | "darwin";

/** This machine's platform (Linux commands anywhere else, where they fail clearly). */
export function currentPlatform(): Platform {
  return Deno.build.os === "darwin" ? "darwin" : "linux";
}

const HINTS: Record<string, string> = {
  ip: "Install iproute2 (Debian: apt install iproute2).",
  wg:
    "Install wireguard-tools (Debian: apt install wireguard-tools; macOS: brew install wireguard-tools).",
  "wireguard-go":
    "Install wireguard-go (Debian: apt install wireguard-go; macOS: brew install wireguard-go) or load the kernel module.",
};

function missing(cmd: string): MycelError {
  return new MycelError("missing_tool", `run ${cmd}`, "it is not installed", {
    value: cmd,
    hint: HINTS[cmd],
  });
}

/** Where a runner's deadlines and Ctrl-C come from. */
export interface RunnerOptions {
  /** Ctrl-C / SIGTERM (the command's `ctx.signal`): kills a running tool, starts none after. */
  signal?: AbortSignal;
  /** The environment the test knob is read from (default: this process's). */
  env?: (name: string) => string | undefined;
}

/**
 * The real runner (Deno.Command, scrubbed environment, a deadline per call,
 * Ctrl-C through `o.signal`).
 */
export function systemRunner(o: RunnerOptions = {}): Runner {
  const knob = Number((o.env ?? ((n) => Deno.env.get(n)))(TOOL_DEADLINE_KNOB));
  const forced = Number.isInteger(knob) && knob > 0 ? knob : undefined;
  return {
    async run(cmd, args, options = {}) {
      checkCommand(cmd, args);
      const ms = options.timeoutMs ?? forced ?? toolDeadline(cmd);
      try {
        const r = await runTool(cmd, args, {
          env: childEnvironment(Deno.env.toObject(), cmd),
          stdin: options.stdin,
          timeoutMs: ms,
          signal: o.signal,
          group: true, // what a hung tool started dies with it
        });
        if (r.timedOut) throw toolTimeout(cmd, args, ms);
        return { code: r.code, stdout: r.stdout, stderr: r.stderr };
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) throw missing(cmd);
        throw e;
      }
    },
    start(cmd, args, env = {}) {
      checkCommand(cmd, args);
      try {
        const child = new Deno.Command(cmd, {
          args,
          clearEnv: true,
          env: childEnvironment(Deno.env.toObject(), cmd, env),
          stdin: "null",
          stdout: "null",
          stderr: "null",
        }).spawn();
        child.unref();
        return child.pid;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) throw missing(cmd);
        throw e;
      }
    },
  };
}

/** The first line of a failed command's output, the most useful part. */
export function firstLine(r: RunResult): string {
  return ((r.stderr || r.stdout).trim().split("\n").find((l) => l.trim() !== "") ?? "").trim();
}

/** Run and require success; the error carries the tool's own message. */
export async function runOk(
  runner: Runner,
  action: string,
  cmd: string,
  args: string[],
  stdin?: string,
): Promise<RunResult> {
  const r = await runner.run(cmd, args, { stdin });
  if (r.code !== 0) throw commandFailed(r, action, cmd, args);
  return r;
}

/** The error for command `cmd args` that failed with `r` (no root: `needs_root`). */
export function commandFailed(r: RunResult, action: string, cmd: string, args: string[]) {
  const text = firstLine(r);
  const denied = /operation not permitted|permission denied/i.test(text);
  return new MycelError(
    denied ? "needs_root" : "command_failed",
    action,
    text || `${cmd} exited ${r.code}`,
    {
      value: `${cmd} ${args.slice(0, 4).join(" ")}`,
      hint: denied ? "Run it as root (sudo mycel ...) or give mycel CAP_NET_ADMIN." : undefined,
    },
  );
}

/** True when this process may configure network interfaces (root or CAP_NET_ADMIN). */
export async function canAdminNetwork(): Promise<boolean> {
  if (Deno.uid() === 0) return true;
  if (Deno.build.os !== "linux") return false;
  try {
    const status = await Deno.readTextFile("/proc/self/status");
    const eff = /^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1];
    return eff !== undefined && (BigInt(`0x${eff}`) & (1n << 12n)) !== 0n;
  } catch {
    return false;
  }
}
