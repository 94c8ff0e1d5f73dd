/**
 * @module tool_child
 * One run of a system tool (`ip`, `wg`, `systemctl`, `crontab`, …) under a
 * deadline that also carries Ctrl-C ({@link deadlineSignal}, the one
 * deadline primitive). A `wg` whose wireguard-go never answers on its
 * control socket, or a `systemctl` stuck on D-Bus, must not hang `mesh up`,
 * `status` or `doctor`; and Ctrl-C must not leave it running. The child is
 * started in its own process group (`detached`: setsid), so what it started
 * in turn (a shell script's `sleep`, a helper) is killed with it by the
 * group's id, never by name. Secrets only travel on stdin.
 */

import { concatBytes } from "../bytes.ts";
import { deadlineSignal, interruption, pause } from "../deadline.ts";

/** What one run gave. */
export interface ToolOutput {
  /** Exit code (-1 when killed at the deadline). */
  code: number;
  stdout: string;
  stderr: string;
  /** True when the deadline passed and the child was killed. */
  timedOut: boolean;
}

/** One run's inputs. */
export interface ToolCall {
  /** The child's whole environment. */
  env: Record<string, string>;
  /** Fed on stdin, then closed (the only way a secret reaches a tool). */
  stdin?: string;
  /** Kill the child (and its group) after this many ms. */
  timeoutMs: number;
  /** Ctrl-C / SIGTERM: kills the child too, and the run throws the interruption. */
  signal?: AbortSignal;
}

/** How long (ms) the pipes are read after the tool exited, for what it wrote last. */
const PIPE_GRACE_MS = 200;

/**
 * Run `cmd args` to completion or to the deadline. Throws `sync_interrupted`
 * (exit 130) when `call.signal` aborts first, `Deno.errors.NotFound` when the
 * tool is not installed; a timeout is a result (`timedOut`), named by the caller.
 */
export async function runToolChild(
  cmd: string,
  args: readonly string[],
  call: ToolCall,
): Promise<ToolOutput> {
  // Interrupted already: no tool is started for a command that is ending.
  if (call.signal?.aborted) throw interruption(`run ${cmd}`, call.signal);
  const child = new Deno.Command(cmd, {
    args: [...args],
    clearEnv: true,
    env: call.env,
    stdin: call.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    detached: true, // its own process group, killed as one
  }).spawn();
  // Not Deno.Command's own `signal`: that sends SIGTERM to the child alone,
  // which a hung tool may ignore and which misses what it started.
  using deadline = deadlineSignal(call.timeoutMs, `run ${cmd}`, call.signal);
  const killed = new Promise<void>((resolve) =>
    deadline.signal.addEventListener("abort", () => {
      killGroup(child.pid);
      child.status.then(() => resolve());
    }, { once: true })
  );
  // A tool that exited answered: its pipes are given up shortly after, not
  // at the deadline (a helper it left behind may hold them open for good).
  const over = new AbortController();
  const exited = child.status.then(() => pause(PIPE_GRACE_MS, over.signal));
  const stop = Promise.race([killed, exited]);
  const stdout = readAll(child.stdout, stop);
  const stderr = readAll(child.stderr, stop);
  if (call.stdin !== undefined) {
    const w = child.stdin.getWriter();
    // A tool that exits (or is killed) before reading it all closes the pipe.
    await w.write(new TextEncoder().encode(call.stdin)).catch(() => {});
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
  };
}

/** SIGKILL the process group led by `pid` (the child alone if that fails). */
function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      Deno.kill(target, "SIGKILL");
      return;
    } catch {
      // no such group (exited meanwhile): try the child itself
    }
  }
}

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
