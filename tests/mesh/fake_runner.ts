/**
 * @module fake_runner
 * A {@link Runner} that runs nothing: it records every command (with the
 * environment a started process would get) and answers from a handler, so
 * tests can render what `mesh up` would run on a platform they are not on
 * and make any step fail on purpose.
 */

import type { Runner, RunResult } from "../../src/mesh/system.ts";

/** One recorded command. */
export interface Recorded {
  /** Program. */
  cmd: string;
  /** Arguments. */
  args: string[];
  /** Standard input given to it, if any. */
  stdin?: string;
  /** Extra environment (started processes only). */
  env?: Record<string, string>;
  /** True for a background start. */
  started?: boolean;
}

/** How the fake answers one command; undefined = exit 0 with no output. */
export type Answer = (c: Recorded) => Partial<RunResult> | undefined;

/** A recording runner; `log` holds every command in order. */
export function fakeRunner(answer: Answer = () => undefined): Runner & { log: Recorded[] } {
  const log: Recorded[] = [];
  let pid = 40000;
  return {
    log,
    run(cmd, args, options = {}) {
      const c: Recorded = {
        cmd,
        args: [...args],
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      };
      log.push(c);
      const r = answer(c) ?? {};
      return Promise.resolve({ code: r.code ?? 0, stdout: r.stdout ?? "", stderr: r.stderr ?? "" });
    },
    start(cmd, args, env = {}) {
      const c: Recorded = { cmd, args: [...args], env, started: true };
      log.push(c);
      answer(c);
      return ++pid;
    },
  };
}

/** A command as one line, for comparisons: `ifconfig utun7 up`. */
export function line(c: Recorded): string {
  return [c.cmd, ...c.args].join(" ");
}
