/**
 * @module tool_run
 * One run of an outside tool under a deadline that also carries Ctrl-C
 * ({@link deadlineSignal}, the one deadline primitive): the key stores'
 * `secret-tool`/`security`/`systemd-creds` (storage/key_runner.ts) and the
 * system's `ip`/`wg`/`systemctl`/`crontab` (mesh/system.ts). A keyring
 * waiting for a GUI unlock, a `wg` whose wireguard-go never answers, a
 * `systemctl` stuck on D-Bus must not hang a command, and Ctrl-C must not
 * leave the tool running. Apart from both layers because they share it;
 * each still decides the environment and what a failure means.
 */

import { concatBytes } from "./bytes.ts";
import { deadlineSignal, interruption, pause } from "./deadline.ts";
import { searchPath } from "./search_path.ts";

/** What one run gave. */
export interface ToolOutput {
  /** Exit code (-1 when killed at the deadline). */
  code: number;
  /** Standard output (may hold a secret for a key lookup: never log it). */
  stdout: string;
  stderr: string;
  /** True when the deadline passed and the child was killed. */
  timedOut: boolean;
}

/** One run's inputs. */
export interface ToolCall {
  /** The child's whole environment (nothing of ours is inherited). */
  env: Record<string, string>;
  /** Fed on stdin, then closed (the only way a secret reaches a tool). */
  stdin?: string | Uint8Array;
  /** Kill the child after this many ms. */
  timeoutMs: number;
  /** Ctrl-C / SIGTERM: kills the child too, and the run throws the interruption. */
  signal?: AbortSignal;
  /**
   * Start it in a process group of its own (`detached`: setsid) and kill the
   * group, so what it started in turn (a script's `sleep`) dies with it, by
   * the group's id, never by name. Not for key tools: `secret-tool` may
   * start the session's keyring daemon, which must outlive it.
   */
  group?: boolean;
}

/** How long (ms) the pipes are read after the tool exited, for what it wrote last. */
const PIPE_GRACE_MS = 200;

/**
 * Run `cmd args` to completion or to the deadline. Throws `sync_interrupted`
 * (exit 130) when `call.signal` aborts first, `Deno.errors.NotFound` when the
 * tool is not installed; a timeout is a result (`timedOut`), named by the caller.
 */
export async function runTool(
  cmd: string,
  args: readonly string[],
  call: ToolCall,
): Promise<ToolOutput> {
  // Interrupted already: no tool is started for a command that is ending.
  if (call.signal?.aborted) throw interruption(`run ${cmd}`, call.signal);
  const child = new Deno.Command(cmd, {
    args: [...args],
    clearEnv: true,
    // Looked up in the child's PATH: its absolute folders only (search_path.ts).
    env: { ...call.env, PATH: searchPath(call.env.PATH) },
    stdin: call.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    detached: call.group === true,
  }).spawn();
  // Not Deno.Command's own `signal`: that sends SIGTERM to the child alone,
  // which a hung tool may ignore.
  using deadline = deadlineSignal(call.timeoutMs, `run ${cmd}`, call.signal);
  // Once the child is reaped its PID may be another process's: never killed then.
  let reaped = false;
  const status = child.status.then((s) => {
    reaped = true;
    return s;
  });
  const killed = new Promise<void>((resolve) =>
    deadline.signal.addEventListener("abort", () => {
      if (!reaped) kill(child.pid, call.group === true);
      status.then(() => resolve());
    }, { once: true })
  );
  // A tool that exited answered: what it wrote is in the pipes by then, so
  // they are given up shortly after, not at the deadline (a daemon it left
  // behind holding them made an answered call "timed out").
  const over = new AbortController();
  const exited = status.then(() => pause(PIPE_GRACE_MS, over.signal));
  const stop = Promise.race([killed, exited]);
  const stdout = readAll(child.stdout, stop);
  const stderr = readAll(child.stderr, stop);
  if (call.stdin !== undefined) {
    const w = child.stdin.getWriter();
    const data = typeof call.stdin === "string" ? new TextEncoder().encode(call.stdin) : call.stdin;
    // A tool that exits (or is killed) before reading it all closes the pipe.
    await w.write(data).catch(() => {});
    await w.close().catch(() => {});
  }
  // Whether it was cut short, decided when it exited: a deadline or Ctrl-C
  // landing in the pipes' grace after a tool that answered is not its failure.
  let cut = false;
  let cutOnCtrlC = false;
  const ended = status.then((s) => {
    cut = deadline.signal.aborted;
    cutOnCtrlC = cut && !deadline.expired;
    return s;
  });
  const [exit, out, err] = await Promise.all([ended, stdout, stderr])
    .finally(() => over.abort());
  // Killed on Ctrl-C: what the tool said (nothing) is not an answer.
  if (cutOnCtrlC) throw deadline.signal.reason;
  return { code: cut ? -1 : exit.code, stdout: out, stderr: err, timedOut: cut };
}

/** SIGKILL the child by its PID, or the process group it leads (the child alone if that fails). */
function kill(pid: number, group: boolean): void {
  for (const target of group ? [-pid, pid] : [pid]) {
    try {
      Deno.kill(target, "SIGKILL");
      return;
    } catch {
      // no such group or process (exited meanwhile)
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
