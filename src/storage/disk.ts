/**
 * @module disk
 * Free space where a home or folder lives, for `doctor`, applying a folder
 * and naming a full disk (Deno has no statfs: `df -Pk`, POSIX output, on
 * Linux and macOS alike). Undefined when it cannot be told — including when
 * `df` does not answer in time: a hung network mount must not hang a command
 * that only wanted to say how much room there is.
 */

import { deadlineSignal, interruption } from "../deadline.ts";

/** How long `df` may take before the answer is "cannot be told". */
export const DF_TIMEOUT_MS = 3_000;

/** What runs `df` (tests put a stand-in here). */
export interface DfOptions {
  /** The program to run instead of `df` (given `-Pk PATH`). */
  program?: string;
  /** Deadline in milliseconds (default {@link DF_TIMEOUT_MS}). */
  timeoutMs?: number;
  /**
   * Ctrl-C / SIGTERM: `df` is killed at once and the call rejects with the
   * interruption (`sync_interrupted`, exit 130) rather than say "cannot be told".
   */
  signal?: AbortSignal;
}

/** Bytes free to unprivileged users on the file system holding `path`. */
export async function freeBytes(path: string, o: DfOptions = {}): Promise<number | undefined> {
  if (o.signal?.aborted) throw interruption("run df", o.signal);
  // Not Deno.Command's own `signal`: that sends SIGTERM (see below).
  using deadline = deadlineSignal(o.timeoutMs ?? DF_TIMEOUT_MS, "run df", o.signal);
  let child: Deno.ChildProcess;
  try {
    child = df(o.program ?? "df", ["-Pk", path]).spawn();
  } catch {
    return undefined;
  }
  const late = new Promise<undefined>((resolve) =>
    deadline.signal.addEventListener("abort", () => {
      // SIGKILL: a process waiting on a hung mount ignores SIGTERM; and
      // unref, so that one that does not even die cannot keep us alive.
      try {
        child.kill("SIGKILL");
      } catch { /* gone already */ }
      child.unref();
      resolve(undefined);
    }, { once: true })
  );
  const answer = child.output().then(
    (out) => out.success ? available(out.stdout) : undefined,
    () => undefined,
  );
  const free = await Promise.race([answer, late]);
  if (deadline.signal.aborted && !deadline.expired) throw deadline.signal.reason;
  return free;
}

/**
 * {@link freeBytes}, waiting for `df`: only where an error is being named.
 * A synchronous child has no abort signal, so coreutils' `timeout` bounds it
 * where it exists (Linux); without it `df` runs bare.
 */
export function freeBytesSync(path: string, o: DfOptions = {}): number | undefined {
  const program = o.program ?? "df";
  const seconds = String((o.timeoutMs ?? DF_TIMEOUT_MS) / 1000);
  try {
    let out: Deno.CommandOutput;
    try {
      out = df("timeout", ["-s", "KILL", seconds, program, "-Pk", path]).outputSync();
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      out = df(program, ["-Pk", path]).outputSync();
    }
    return out.success ? available(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

function df(program: string, args: string[]): Deno.Command {
  return new Deno.Command(program, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", LC_ALL: "C" },
  });
}

function available(stdout: Uint8Array): number | undefined {
  const line = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
  const kib = Number(line.split(/\s+/)[3]);
  return Number.isFinite(kib) ? kib * 1024 : undefined;
}
