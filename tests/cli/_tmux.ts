/**
 * @module tmux_helper
 * Run one command on a real pseudo-terminal and type into it, through a
 * private tmux server (its own socket in a temporary folder, never the
 * user's): start the command in a detached session, read the screen
 * (`capture-pane`), wait for text on it, type text or keys (`send-keys`).
 * The command runs with exactly the environment given (`env -i`); when it
 * ends the pane prints `EXIT=<code>` and stays, so the screen can still be
 * read. Disposing kills that private server only.
 */

import { quoteShell } from "../../src/service/units.ts";
import { runProcess, sleep, which } from "../helpers/process.ts";

/** Why tmux tests cannot run here, or undefined. */
export function tmuxSkip(): string | undefined {
  return which("tmux") ? undefined : "tmux is not installed (Debian: tmux)";
}

/** A command on a pseudo-terminal. */
export class Terminal implements AsyncDisposable {
  private constructor(readonly dir: string) {}

  private tmux(...args: string[]) {
    return runProcess("tmux", ["-S", `${this.dir}/tmux.sock`, ...args], {
      env: { TERM: "xterm", PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
      clearEnv: true,
      timeoutMs: 10_000,
    });
  }

  /** Start `argv` with environment `env` on a fresh terminal (200x50 unless `columns` given). */
  static async start(
    argv: string[],
    env: Record<string, string>,
    columns = 200,
  ): Promise<Terminal> {
    const dir = await Deno.makeTempDir({ prefix: "mycel-tty-" });
    const vars = Object.entries({ TERM: "xterm", ...env }).map(([k, v]) => `${k}=${quoteShell(v)}`);
    await Deno.writeTextFile(
      `${dir}/run.sh`,
      `#!/bin/sh\nenv -i ${vars.join(" ")} ${argv.map(quoteShell).join(" ")}\n` +
        `echo "EXIT=$?"\nexec sleep 600\n`,
      { mode: 0o755 },
    );
    const t = new Terminal(dir);
    const r = await t.tmux(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      String(columns),
      "-y",
      "50",
      "-s",
      "t",
      `${dir}/run.sh`,
    );
    if (r.code !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
    return t;
  }

  /** The visible screen, trailing blank lines removed. */
  async screen(): Promise<string> {
    const r = await this.tmux("capture-pane", "-p", "-J", "-t", "t");
    return r.stdout.replace(/\s+$/, "");
  }

  /** Wait until the screen matches `re`; returns the screen. */
  async waitFor(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const s = await this.screen();
      if (re.test(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; screen:\n${s}`);
      await sleep(100);
    }
  }

  /**
   * PID of the command itself (the child of the pane's shell; `env -i`
   * execs it), waiting up to `timeoutMs` for it to start. For signalling it
   * by PID (e.g. SIGSTOP/SIGCONT to slow it down).
   */
  async commandPid(timeoutMs = 30_000): Promise<number> {
    const r = await this.tmux("display-message", "-p", "-t", "t", "#{pane_pid}");
    const shell = Number(r.stdout.trim());
    if (!Number.isSafeInteger(shell) || shell <= 0) throw new Error(`no pane pid: ${r.stdout}`);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const children = await Deno.readTextFile(`/proc/${shell}/task/${shell}/children`)
        .catch(() => "");
      const first = Number(children.trim().split(/\s+/)[0]);
      if (first > 0) return first;
      if (Date.now() > deadline) throw new Error("the command did not start");
      await sleep(20);
    }
  }

  /** Type `text` literally (no key names). */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", "t", "-l", text);
  }

  /** Press keys by tmux name, e.g. "Enter", "C-c". */
  async press(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "t", ...keys);
  }

  /** Kill the private tmux server (and with it the command) and remove the folder. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.tmux("kill-server");
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}
