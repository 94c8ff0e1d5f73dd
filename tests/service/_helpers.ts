/**
 * @module service_helpers
 * Helpers for the service tests:
 * - {@link parseExecStart}: an ExecStart value → argv, the way systemd reads
 *   it (unquoting and C escapes, then specifiers, then `$` at exec time);
 * - {@link systemdCommandLines}: ask systemd itself (`systemd-analyze verify`
 *   at debug level dumps each parsed "Command Line:") and
 *   {@link parseDumpedCommandLine} to read that dump back into argv;
 * - {@link parseCrontab}: a small crontab parser (5 time fields + command,
 *   with cron's `%` rule) that throws on anything cron would reject;
 * - {@link fakeBin}: a folder of fake tools (`crontab` keeping its table in a
 *   file, `wg`/`ip`/`wireguard-go` that just succeed) to put first on PATH;
 * - {@link peer}: two homes that know each other's cards.
 * Ports, commands and PATH look-ups come from tests/helpers/net.ts and
 * tests/helpers/process.ts.
 */

import assert from "node:assert/strict";
import type { TempHome } from "../helpers/mycel.ts";
import { type ProcResult, runProcess, which } from "../helpers/process.ts";

// ---------------------------------------------------------------------------
// systemd ExecStart syntax

/** Expansion of the specifiers a test cares about (`%%` is always `%`). */
export type Specifiers = Record<string, string>;

const C_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  s: " ",
  $: "$",
};

/**
 * Read one C escape at `s[i]` (just after the backslash); returns [text, next
 * index]. `relaxed`: an unknown escape is the character itself.
 */
function cEscape(s: string, i: number, relaxed = false): [string, number] {
  const c = s[i];
  if (c === undefined) throw new Error("a backslash ends the line");
  if (c in C_ESCAPES) return [C_ESCAPES[c], i + 1];
  if (c === "x" && /^[0-9a-fA-F]{2}/.test(s.slice(i + 1))) {
    return [String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16)), i + 3];
  }
  if (/^[0-7]{3}/.test(s.slice(i))) {
    return [String.fromCharCode(parseInt(s.slice(i, i + 3), 8)), i + 3];
  }
  if (c === "u" && /^[0-9a-fA-F]{4}/.test(s.slice(i + 1))) {
    return [String.fromCodePoint(parseInt(s.slice(i + 1, i + 5), 16)), i + 5];
  }
  if (relaxed) return [c, i + 1];
  throw new Error(`unknown escape \\${c}`);
}

/**
 * Split a line into words the way systemd's `extract_first_word(...,
 * EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE)` does: whitespace separates words;
 * "..." and '...' quote (quotes may start mid-word); backslash escapes are C
 * escapes, inside or outside quotes.
 */
export function splitSystemdWords(line: string, relaxed = false): string[] {
  const words: string[] = [];
  let i = 0;
  while (true) {
    while (i < line.length && /\s/.test(line[i])) i++;
    if (i >= line.length) return words;
    let word = "";
    let quote: string | undefined;
    for (; i < line.length; i++) {
      const c = line[i];
      if (quote !== undefined) {
        if (c === quote) quote = undefined;
        else if (c === "\\") {
          const [t, next] = cEscape(line, i + 1, relaxed);
          word += t;
          i = next - 1;
        } else word += c;
      } else if (/\s/.test(c)) break;
      else if (c === '"' || c === "'") quote = c;
      else if (c === "\\") {
        const [t, next] = cEscape(line, i + 1, relaxed);
        word += t;
        i = next - 1;
      } else word += c;
    }
    if (quote !== undefined) throw new Error(`unterminated ${quote} in: ${line}`);
    words.push(word);
  }
}

/**
 * Resolve `%x` specifiers in one word. Unknown ones and a `%` ending the word
 * are kept, as systemd 252 does.
 */
export function resolveSpecifiers(word: string, specifiers: Specifiers = {}): string {
  return word.replace(/%(.)?/g, (all, c: string | undefined) => {
    if (c === undefined) return all;
    if (c === "%") return "%";
    return c in specifiers ? specifiers[c] : all;
  });
}

/**
 * What systemd does to `$` when it runs the command: `$$` is a literal `$`,
 * `${NAME}` and `$NAME` are replaced from the environment (unset: empty).
 */
export function substituteEnv(word: string, env: Record<string, string> = {}): string {
  return word.replace(
    /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_all, what: string, braced?: string, bare?: string) =>
      what === "$" ? "$" : env[(braced ?? bare)!] ?? "",
  );
}

/** The ExecStart prefixes (`-`, `@`, `:`, `+`, `!`, `!!`) are not part of argv. */
function stripPrefixes(first: string): string {
  return first.replace(/^[-@:+!]+/, "");
}

/**
 * The argv systemd runs for an `ExecStart=` value: split and unescape, resolve
 * specifiers, then substitute `$`. (One command; `;` separators are not used
 * by mycel's units and are rejected here.)
 */
export function parseExecStart(
  value: string,
  options: { specifiers?: Specifiers; env?: Record<string, string> } = {},
): string[] {
  if (/(^|\s);(\s|$)/.test(value)) throw new Error(`more than one command: ${value}`);
  const words = splitSystemdWords(value);
  if (words.length === 0) throw new Error("empty ExecStart");
  words[0] = stripPrefixes(words[0]);
  return words.map((w) => substituteEnv(resolveSpecifiers(w, options.specifiers), options.env));
}

/** `[Section] Key=value` pairs of a unit file, in order (comments skipped). */
export function unitEntries(text: string): { section: string; key: string; value: string }[] {
  const out: { section: string; key: string; value: string }[] = [];
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const s = /^\[([^\]]+)\]$/.exec(line);
    if (s) {
      section = s[1];
      continue;
    }
    const eq = line.indexOf("=");
    assert.ok(eq > 0, `not a key=value line: ${raw}`);
    out.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
  }
  return out;
}

/** The single value of `[section] key` (asserts there is exactly one). */
export function unitValue(text: string, section: string, key: string): string {
  const found = unitEntries(text).filter((e) => e.section === section && e.key === key);
  assert.equal(found.length, 1, `exactly one ${key}= in [${section}]:\n${text}`);
  return found[0].value;
}

/**
 * Read back a "Command Line:" from systemd's debug dump: words separated by
 * spaces, quoted with "..." when needed, C escapes inside, and shell-style
 * escapes of other characters (`\$` for `$`, `` \` `` for a backquote).
 */
export function parseDumpedCommandLine(line: string): string[] {
  return splitSystemdWords(line, true);
}

/** `systemd-analyze verify FILES` (normal level): exit code and output. */
export function verifyUnits(files: string[]): Promise<ProcResult> {
  return runProcess("systemd-analyze", ["verify", "--man=no", ...files], {
    env: { SYSTEMD_LOG_LEVEL: "notice" },
  });
}

/**
 * The command lines systemd parsed from `unitFile` (its own parser, via the
 * unit dump `systemd-analyze verify` prints at debug level), as argv before
 * exec-time `$` substitution. Empty when this systemd does not dump them.
 */
export async function systemdCommandLines(unitFile: string): Promise<string[][]> {
  const r = await runProcess("systemd-analyze", ["verify", "--man=no", unitFile], {
    env: { SYSTEMD_LOG_LEVEL: "debug" },
  });
  const lines: string[][] = [];
  for (const l of `${r.stdout}\n${r.stderr}`.split("\n")) {
    const m = /^\s*Command Line: (.*)$/.exec(l);
    if (m) lines.push(parseDumpedCommandLine(m[1]));
  }
  return lines;
}

/** True when `systemd-analyze` is installed. */
export function hasSystemdAnalyze(): boolean {
  return which("systemd-analyze") !== undefined;
}

// ---------------------------------------------------------------------------
// crontab syntax

/** One crontab job line. */
export interface CronJob {
  /** The five schedule fields, as written. */
  schedule: [string, string, string, string, string];
  /** The command /bin/sh runs (after cron's `%` rule: up to the first unescaped `%`). */
  command: string;
  /** Text after the first unescaped `%` (cron feeds it as stdin), if any. */
  stdin?: string;
}

const FIELDS: { name: string; min: number; max: number; names?: string[] }[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
  },
  { name: "day of week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

function checkField(text: string, f: (typeof FIELDS)[number]): void {
  const value = (v: string): number => {
    const named = f.names?.indexOf(v.toLowerCase()) ?? -1;
    if (named >= 0) return named + (f.name === "month" ? 1 : 0);
    if (!/^\d+$/.test(v)) throw new Error(`bad ${f.name} value ${JSON.stringify(v)}`);
    const n = Number(v);
    if (n < f.min || n > f.max) throw new Error(`${f.name} ${n} is outside ${f.min}-${f.max}`);
    return n;
  };
  for (const part of text.split(",")) {
    const [range, step, extra] = part.split("/");
    if (extra !== undefined) throw new Error(`bad ${f.name} step in ${JSON.stringify(part)}`);
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) {
      throw new Error(`bad ${f.name} step ${JSON.stringify(step)}`);
    }
    if (range === "*") continue;
    const [lo, hi, more] = range.split("-");
    if (more !== undefined || lo === "") throw new Error(`bad ${f.name} range ${range}`);
    if (hi !== undefined && value(hi) < value(lo)) {
      throw new Error(`empty ${f.name} range ${range}`);
    }
    value(lo);
  }
}

/**
 * Parse a crontab (user format: no user field). Comments, blank lines and
 * `NAME=value` settings are skipped; every other line must be a valid job.
 * Throws, naming the line, on anything cron would reject.
 */
export function parseCrontab(text: string): CronJob[] {
  const jobs: CronJob[] = [];
  const lines = text.split("\n");
  if (text !== "" && !text.endsWith("\n")) {
    throw new Error("the last line has no newline (cron ignores it)");
  }
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    if (/^[A-Za-z_][A-Za-z0-9_]*\s*=/.test(line)) return;
    const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*\S.*)$/.exec(line);
    if (!m || line.startsWith("@")) {
      throw new Error(`line ${n + 1}: not "5 fields + command": ${raw}`);
    }
    const schedule = m.slice(1, 6) as CronJob["schedule"];
    schedule.forEach((field, i) => {
      try {
        checkField(field, FIELDS[i]);
      } catch (e) {
        throw new Error(`line ${n + 1}: ${(e as Error).message}: ${raw}`);
      }
    });
    // cron: an unescaped % ends the command; the rest (with % as newlines) is stdin.
    let command = "";
    let stdin: string | undefined;
    const rest = m[6];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === "\\" && rest[i + 1] === "%") {
        command += "%";
        i++;
      } else if (rest[i] === "%") {
        stdin = rest.slice(i + 1).replace(/%/g, "\n");
        break;
      } else command += rest[i];
    }
    jobs.push({ schedule, command, ...(stdin === undefined ? {} : { stdin }) });
  });
  return jobs;
}

// ---------------------------------------------------------------------------
// fake tools

/** A folder of fake tools; `PATH` puts it first. */
export interface FakeBin {
  /** The folder. */
  dir: string;
  /** The fake crontab's table file (absent = "no crontab"). */
  crontabFile: string;
  /** `dir:` + the given PATH (default: this process's). */
  path(rest?: string): string;
  /** The current fake crontab, or undefined. */
  crontab(): string | undefined;
}

/**
 * Write fake tools into `dir`: `crontab` (`-l` prints the table file or
 * exits 1 with "no crontab for …"; `-` and `FILE` replace it) and, when
 * asked, tools that only succeed (e.g. `wg`, `ip`, `wireguard-go`).
 */
export async function fakeBin(dir: string, succeed: string[] = []): Promise<FakeBin> {
  await Deno.mkdir(dir, { recursive: true });
  const crontabFile = `${dir}/crontab.table`;
  await Deno.writeTextFile(
    `${dir}/crontab`,
    `#!/bin/sh
# fake crontab for tests: keeps the table in ${crontabFile}
table='${crontabFile}'
case "$1" in
  -l) if [ -f "$table" ]; then cat "$table"; else echo "no crontab for $(id -un)" >&2; exit 1; fi;;
  -) cat > "$table";;
  -r) rm -f "$table";;
  *) if [ -f "$1" ]; then cat "$1" > "$table"; else echo "crontab: usage" >&2; exit 1; fi;;
esac
`,
  );
  await Deno.chmod(`${dir}/crontab`, 0o755);
  for (const tool of succeed) {
    await Deno.writeTextFile(`${dir}/${tool}`, `#!/bin/sh\necho "fake ${tool}"\nexit 0\n`);
    await Deno.chmod(`${dir}/${tool}`, 0o755);
  }
  return {
    dir,
    crontabFile,
    path: (rest = Deno.env.get("PATH") ?? "/usr/bin:/bin") => `${dir}:${rest}`,
    crontab() {
      try {
        return Deno.readTextFileSync(crontabFile);
      } catch {
        return undefined;
      }
    },
  };
}

// ---------------------------------------------------------------------------
// homes

/** `mesh card` of a home. */
export async function card(h: TempHome): Promise<string> {
  return (await h.ok(["--no-sync", "mesh", "card"])).stdout.trim();
}

/** Peer two homes offline: each adds the other's card. */
export async function peer(a: TempHome, b: TempHome): Promise<void> {
  await a.ok(["--no-sync", "mesh", "add-peer", await card(b)]);
  await b.ok(["--no-sync", "mesh", "add-peer", await card(a)]);
}
