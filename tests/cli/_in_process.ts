/**
 * @module in_process
 * Run `main()` inside the test process with captured output and a scripted
 * terminal: for what a child process cannot easily be given (a terminal on
 * standard input that answers a question, a terminal width) and for checks
 * over every command that would otherwise start a process per command.
 * Anything that needs real processes uses tests/helpers/mycel.ts instead.
 */

import { main } from "../../main.ts";
import { captureOutput } from "../../src/cli/output.ts";

/** How to run. */
export interface InProcessOptions {
  /** Environment (nothing else is visible to the command). */
  env?: Record<string, string>;
  /** Output columns (80, as when piped, by default). */
  width?: number;
  /** Standard output is a terminal (colour on unless NO_COLOR is in env). */
  terminal?: boolean;
  /** Standard input is a terminal answering each question with the next line here. */
  answers?: string[];
  /** Standard input's bytes when it is not a terminal. */
  stdin?: string;
  /** Stands for SIGINT/SIGTERM (e.g. `AbortSignal.timeout(ms)`). */
  signal?: AbortSignal;
}

/** What a run printed, the questions it asked, and its exit code. */
export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  questions: string[];
}

/** Run `mycel ARGV` in-process. */
export async function runMain(
  argv: readonly string[],
  o: InProcessOptions = {},
): Promise<InProcessResult> {
  const env = o.env ?? {};
  const out = captureOutput({
    width: o.width ?? 80,
    isTerminal: o.terminal ?? false,
    color: (o.terminal ?? false) && env.NO_COLOR === undefined,
  });
  const questions: string[] = [];
  const answers = [...(o.answers ?? [])];
  const code = await main(argv, {
    out,
    env: (name) => env[name],
    now: Date.now,
    signal: o.signal ?? new AbortController().signal,
    readStdin: () => Promise.resolve(new TextEncoder().encode(o.stdin ?? "")),
    stdinIsTerminal: o.answers !== undefined,
    ask: (prompt) => {
      questions.push(prompt);
      return Promise.resolve(answers.shift() ?? null);
    },
  });
  return { code, stdout: out.stdout.join(""), stderr: out.stderr.join(""), questions };
}
