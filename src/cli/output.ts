/**
 * @module output
 * Injectable writers for standard output and error, so commands never touch
 * `console` and tests can capture exactly what a user would see.
 */

/** Where a command writes. */
export interface Output {
  /** Write a line (a newline is added) to standard output. */
  line(text?: string): void;
  /** Write text as is to standard output. */
  write(text: string): void;
  /** Write a line to standard error. */
  error(text: string): void;
  /** Print `value` as JSON (two-space indent) on standard output. */
  json(value: unknown): void;
  /** True when standard output is a terminal. */
  readonly isTerminal: boolean;
  /** True when colour may be used (terminal and no NO_COLOR). */
  readonly color: boolean;
  /**
   * Show a transient progress line on standard error when it is a terminal
   * (overwritten by the next one; "" clears it). Nothing when piped.
   */
  progress(text: string): void;
}

/** Writers backed by two sinks (e.g. Deno's stdout and stderr). */
export function makeOutput(
  stdout: (text: string) => void,
  stderr: (text: string) => void,
  options: { isTerminal?: boolean; color?: boolean; progress?: boolean } = {},
): Output {
  return {
    line: (text = "") => stdout(text + "\n"),
    write: (text) => stdout(text),
    error: (text) => stderr(text + "\n"),
    json: (value) => stdout(JSON.stringify(value, null, 2) + "\n"),
    isTerminal: options.isTerminal ?? false,
    color: options.color ?? false,
    progress: (text) => {
      if (options.progress) stderr(`\r\x1b[K${text}`);
    },
  };
}

/** Writers that collect everything, for tests. */
export function captureOutput(): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = makeOutput((t) => stdout.push(t), (t) => stderr.push(t));
  return Object.assign(out, { stdout, stderr });
}

/** Writers for the real process: synchronous, so output is never lost on exit. */
export function processOutput(env: (name: string) => string | undefined): Output {
  const enc = new TextEncoder();
  const writeAll = (fd: typeof Deno.stdout, text: string) => {
    const bytes = enc.encode(text);
    let off = 0;
    try {
      while (off < bytes.length) off += fd.writeSync(bytes.subarray(off));
    } catch (e) {
      // A closed pipe (`mycel log | head`) is not an error worth a stack trace.
      if (!(e instanceof Deno.errors.BrokenPipe)) throw e;
    }
  };
  const isTerminal = Deno.stdout.isTerminal();
  return makeOutput((t) => writeAll(Deno.stdout, t), (t) => writeAll(Deno.stderr, t), {
    isTerminal,
    color: isTerminal && !env("NO_COLOR"),
    progress: Deno.stderr.isTerminal(),
  });
}
