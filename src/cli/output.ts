/**
 * @module output
 * Injectable writers for standard output and error, so commands never touch
 * `console` and tests can capture exactly what a user would see.
 *
 * Every string written goes through the text-safety check (src/text_safety.ts)
 * with newlines allowed, and JSON through its JSON form: whatever a command
 * forgets to check, no escape sequence or bidi control from a peer reaches
 * the terminal. Colour is never part of a string: callers pass spans with a
 * tone, drawn only when colour is on (a terminal, and no NO_COLOR).
 */

import { safeJson, safeText } from "../text_safety.ts";
import { cutToWidth, displayWidth } from "../display_width.ts";

/** A colour or weight for a span. */
export type Tone = "red" | "green" | "yellow" | "bold" | "dim";

/** A piece of text with a tone. */
export interface Span {
  /** The text (checked like any other). */
  readonly text: string;
  /** How to draw it when colour is on. */
  readonly tone?: Tone;
}

/** What the writers take: plain text, or spans and strings in a row. */
export type Text = string | readonly (string | Span)[];

/** Where a command writes. */
export interface Output {
  /** Write a line (a newline is added) to standard output. */
  line(text?: Text): void;
  /** Write text as is to standard output. */
  write(text: Text): void;
  /** Write a line to standard error. */
  error(text: Text): void;
  /** Print `value` as JSON (two-space indent) on standard output. */
  json(value: unknown): void;
  /** True when standard output is a terminal. */
  readonly isTerminal: boolean;
  /** True when colour may be used (terminal and no NO_COLOR). */
  readonly color: boolean;
  /** Columns to wrap text to: the terminal's width, or 80 when piped. */
  readonly width: number;
  /**
   * Show a transient progress line on standard error when it is a terminal
   * (overwritten by the next one; "" clears it). Nothing when piped.
   */
  progress(text: string): void;
}

const SGR: Record<Tone, string> = {
  red: "\x1b[31m",
  green: "\x1b[32m",
  yellow: "\x1b[33m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
};

/** Width used when output is not a terminal. */
export const PIPE_WIDTH = 80;

/** Render `text` for output: every piece checked, tones drawn when `color`. */
export function renderText(text: Text, color: boolean): string {
  if (typeof text === "string") return safeText(text, { multiline: true });
  return text.map((part) => {
    if (typeof part === "string") return safeText(part, { multiline: true });
    const safe = safeText(part.text, { multiline: true });
    return color && part.tone ? `${SGR[part.tone]}${safe}\x1b[0m` : safe;
  }).join("");
}

/** Options of {@link makeOutput}. */
export interface OutputOptions {
  /** Standard output is a terminal. */
  isTerminal?: boolean;
  /** Colour is allowed. */
  color?: boolean;
  /** Standard error is a terminal (progress lines are shown). */
  progress?: boolean;
  /** Columns (default 80). */
  width?: number;
  /** Columns of the terminal progress lines go to, asked at each line (default 80). */
  progressColumns?: () => number;
}

/**
 * `text` cut to fit `columns - 1` terminal columns, ending in "…" when cut: a
 * progress line that wraps is not erased by the next one (`\r` and erase
 * act on the last row), so every redraw left a row behind — the screen
 * filled with them (found by running mycel: a 50-column terminal, or 80
 * with a folder id of 20 characters and a large folder). Columns, not code
 * points (src/display_width.ts): a CJK name takes two per character, so a
 * line cut by code points still wrapped (issue 13). The ellipsis is counted
 * as two columns (see below).
 */
export function fitLine(text: string, columns: number): string {
  const room = Math.max(1, columns - 1);
  if (displayWidth(text) <= room) return text;
  // "…" is of ambiguous East Asian width: one column in most terminals, two
  // in a CJK locale's. Room for two is kept, so the line never wraps there;
  // with less room than the ellipsis needs, the text is cut bare.
  return room < 3 ? cutToWidth(text, room) : `${cutToWidth(text, room - 2)}…`;
}

/** Writers backed by two sinks (e.g. Deno's stdout and stderr). */
export function makeOutput(
  stdout: (text: string) => void,
  stderr: (text: string) => void,
  options: OutputOptions = {},
): Output {
  const color = options.color ?? false;
  return {
    line: (text = "") => stdout(renderText(text, color) + "\n"),
    write: (text) => stdout(renderText(text, color)),
    error: (text) => stderr(renderText(text, color) + "\n"),
    json: (value) => stdout(safeJson(value) + "\n"),
    isTerminal: options.isTerminal ?? false,
    color,
    width: options.width ?? PIPE_WIDTH,
    progress: (text) => {
      if (!options.progress) return;
      // 0 columns: a pty with no size set (a review); read as unknown, not as "no room".
      stderr(`\r\x1b[K${fitLine(safeText(text), options.progressColumns?.() || PIPE_WIDTH)}`);
    },
  };
}

/** Writers that collect everything, for tests. */
export function captureOutput(
  options: OutputOptions = {},
): Output & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = makeOutput((t) => stdout.push(t), (t) => stderr.push(t), options);
  return Object.assign(out, { stdout, stderr });
}

/** Colour is on for a terminal unless NO_COLOR is set (to anything but ""). */
export function colorAllowed(
  isTerminal: boolean,
  env: (name: string) => string | undefined,
): boolean {
  const noColor = env("NO_COLOR");
  return isTerminal && (noColor === undefined || noColor === "");
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return PIPE_WIDTH;
  }
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
    color: colorAllowed(isTerminal, env),
    progress: Deno.stderr.isTerminal(),
    progressColumns: terminalColumns, // asked each time: a terminal can be resized mid-round
    // Very narrow or absurdly wide terminals still get readable help.
    width: isTerminal ? Math.max(40, Math.min(terminalColumns(), 160)) : PIPE_WIDTH,
  });
}
