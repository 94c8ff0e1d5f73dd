/**
 * @module system
 * The one place mycel runs `ip`, `wg`, `wireguard-go` (and on macOS
 * `ifconfig`, `route`, `netstat`). Everything goes through a {@link Runner}
 * so the mesh logic can be tested with a fake one and the macOS commands
 * rendered on Linux. Secrets only ever travel on stdin, never in argv;
 * children get a scrubbed environment and arguments with control characters
 * are refused before anything runs (see child_env.ts).
 */

import { MycelError } from "../errors.ts";
import { checkCommand, childEnvironment } from "./child_env.ts";

/** Result of one command. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

/** Runs system commands. */
export interface Runner {
  /** Run `cmd args` to completion, feeding `stdin` if given. */
  run(cmd: string, args: string[], options?: { stdin?: string }): Promise<RunResult>;
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

/** The real runner (Deno.Command, scrubbed environment). */
export const systemRunner: Runner = {
  async run(cmd, args, options = {}) {
    checkCommand(cmd, args);
    try {
      const child = new Deno.Command(cmd, {
        args,
        clearEnv: true,
        env: childEnvironment(Deno.env.toObject(), cmd),
        stdin: options.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (options.stdin !== undefined) {
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(options.stdin));
        await w.close();
      }
      const out = await child.output();
      const dec = new TextDecoder();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
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
