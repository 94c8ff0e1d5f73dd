/**
 * @module help
 * `--help` and `mycel help CMD` text, rendered from the command table and
 * wrapped to a width (the terminal's, 80 when piped). A command's help shows
 * only the flags it takes, the global flags it declares, and the exit codes
 * it declares. Descriptions are written as paragraphs: a single newline in
 * them is a soft break, a blank line a paragraph break. Pure.
 */

import type { ExitCode } from "../errors.ts";
import {
  type CommandSpec,
  type FlagSpec,
  GLOBAL_FLAGS,
  globalFlagsOf,
  usageLine,
} from "./command.ts";
import { type CommandTable, verbSpellings } from "./command_lookup.ts";

/** What each exit code means (the README's table says the same). */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCode, string>> = {
  0: "success",
  1: "failure (the message says what and why)",
  2: "usage error: unknown command or flag, bad argument",
  3: "no peer reachable, or only some peers synced",
  130: "stopped by Ctrl-C",
};

/** Environment variables mycel reads (help and man page). */
export const ENVIRONMENT: readonly [string, string][] = [
  ["MYCEL_HOME", "home folder (default $XDG_DATA_HOME/mycel or ~/.local/share/mycel)"],
  ["MYCEL_OFFLINE=1", "never contact peers (like --no-sync)"],
  ["MYCEL_PASSPHRASE_FILE", "file (mode 0600) holding the passphrase that seals the keys"],
  ["MYCEL_PASSPHRASE", "that passphrase itself (prefer the file; a terminal is asked)"],
  ["MYCEL_NO_PUSH=1", "a write does not start a background push to peers"],
  ["MYCEL_HOME_OWNER", "as root: the uid whose home may be used (system units set it)"],
  [
    "MYCEL_MESH_APPLY=unit",
    "not root: say nothing of the mesh after a round (system units run mesh up as root after it)",
  ],
  ["MYCEL_SESSION_BUDGET", "bytes of entries one sync session sends at most (default 64 MiB)"],
  ["MYCEL_SESSION_DEADLINE", "seconds one sync session may last in all (default 600 or more)"],
  [
    "MYCEL_STDIO_EVICT_AT",
    "sync serve --stdio processes of a home past which idle ones are evicted (default 12, only lowered)",
  ],
  ["MYCEL_DEBUG=1", "stack traces with errors"],
  ["NO_COLOR", "no colour even on a terminal"],
];

/** Words of `text` filled into lines of at most `width` columns (a longer word stays whole). */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  text.split(/\n[ \t]*\n/).forEach((paragraph, i) => {
    if (i > 0) out.push("");
    let line = "";
    for (const word of paragraph.split(/\s+/).filter((w) => w !== "")) {
      if (line === "") line = word;
      else if (line.length + 1 + word.length <= width) line += ` ${word}`;
      else {
        out.push(line);
        line = word;
      }
    }
    if (line !== "") out.push(line);
  });
  return out;
}

/** Indent every line of `text` wrapped to `width`. */
function block(text: string, width: number, indent = 0): string[] {
  const pad = " ".repeat(indent);
  return wrap(text, Math.max(20, width - indent)).map((l) => (l === "" ? "" : pad + l));
}

/**
 * Two columns: a label and its text, wrapped under itself. A label too wide
 * for a third of the width gets its text on the next lines instead.
 */
export function rows(pairs: readonly [string, string][], width: number, indent = 2): string[] {
  const limit = Math.floor(width / 3);
  const labelWidth = Math.max(0, ...pairs.map(([a]) => a.length).filter((n) => n <= limit));
  const textAt = indent + labelWidth + 2;
  const out: string[] = [];
  for (const [label, text] of pairs) {
    const head = " ".repeat(indent) + label;
    if (label.length > limit) {
      out.push(head, ...block(text, width, indent + 4));
      continue;
    }
    const lines = wrap(text, Math.max(20, width - textAt));
    out.push(head.padEnd(textAt) + (lines[0] ?? ""));
    for (const l of lines.slice(1)) out.push(l === "" ? "" : " ".repeat(textAt) + l);
  }
  return out.map((l) => l.trimEnd());
}

function flagLabel(f: FlagSpec): string {
  const short = f.short ? `-${f.short}, ` : "    ";
  return `${short}--${f.name}${f.value ? ` ${f.value}` : ""}`;
}

function argHelp(a: CommandSpec["args"][number]): string {
  const extra = [
    a.choices ? `one of ${a.choices.join(", ")}` : "",
    a.stdin ? "- reads it from standard input" : "",
  ].filter(Boolean).join("; ");
  return extra ? `${a.help} (${extra})` : a.help;
}

/** Top-level help: commands and groups, global flags, exit codes, environment. */
export function topHelp(table: CommandTable, width = 80): string {
  const commandRows: [string, string][] = table.commands
    .filter((c) => c.path.length === 1)
    .map((c) => [c.path[0], c.summary]);
  const groupRows: [string, string][] = table.groups.map((g) => {
    const subs = table.commands.filter((c) => c.path[0] === g.name && c.path.length > 1);
    return [g.name, `${g.summary}: ${subs.map((s) => s.path.slice(1).join(" ")).join(", ")}`];
  });
  const globalRows: [string, string][] = [
    ...GLOBAL_FLAGS.map((f): [string, string] => [flagLabel(f), f.help]),
    ["-V, --version", "print the version"],
    [
      "    --json",
      "with commands that print data: print JSON; errors are then one JSON " +
      'object {"error": {"code", "message", "hint"}} on standard error',
    ],
  ];
  const exitText = Object.entries(EXIT_CODE_MEANINGS).map(([c, m]) => `${c} ${m}`).join("; ");
  return [
    ...block("mycel keeps your devices in sync, with no central server.", width),
    "",
    "Usage: mycel COMMAND [ARGS] [FLAGS]",
    "       mycel help COMMAND",
    "",
    "Commands:",
    ...rows(commandRows, width),
    "",
    "Command groups (mycel GROUP COMMAND):",
    ...rows(groupRows, width),
    "",
    "Flags:",
    ...rows(globalRows, width),
    "",
    "Exit codes:",
    ...block(`${exitText}. \`mycel help COMMAND\` says which apply.`, width, 2),
    "",
    "Environment:",
    ...rows(ENVIRONMENT, width),
  ].join("\n");
}

/** Help for a group: its commands. */
export function groupHelp(table: CommandTable, group: string, width = 80): string {
  const g = table.groups.find((x) => x.name === group);
  const subs = table.commands.filter((c) => c.path[0] === group);
  return [
    ...block(`mycel ${group}: ${g?.summary ?? ""}`, width),
    "",
    "Commands:",
    ...rows(subs.map((c) => [c.path.slice(1).join(" "), c.summary]), width),
    "",
    ...block(`Run \`mycel help ${group} COMMAND\` for one command's arguments and flags.`, width),
  ].join("\n");
}

/** Help for a verb-first spelling's verb (`mycel show`): what it can be followed by. */
export function verbHelp(table: CommandTable, verb: string, width = 80): string {
  return [
    ...block(`mycel ${verb}: other spellings of these commands`, width),
    "",
    "Commands:",
    ...rows(
      verbSpellings(table, verb).map(([p, c]) => [
        p.slice(1).join(" "),
        `= mycel ${c.path.join(" ")}: ${c.summary}`,
      ]),
      width,
    ),
    "",
    ...block(`Run \`mycel help ${verb} NOUN\` for one command's arguments and flags.`, width),
  ].join("\n");
}

/** Help for one command: usage, description, arguments, its flags, its exit codes. */
export function commandHelp(spec: CommandSpec, width = 80): string {
  const lines = [...block(`Usage: ${usageLine(spec)}`, width), "", ...block(spec.summary, width)];
  if (spec.description) lines.push("", ...block(spec.description, width));
  if (spec.args.length) {
    lines.push("", "Arguments:", ...rows(spec.args.map((a) => [a.name, argHelp(a)]), width));
  }
  const flags = [...spec.flags, ...globalFlagsOf(spec)];
  lines.push("", "Flags:", ...rows(flags.map((f) => [flagLabel(f), f.help]), width));
  if (spec.aliases?.length) {
    lines.push(
      "",
      ...block(`Also: ${spec.aliases.map((a) => `mycel ${a.join(" ")}`).join(", ")}`, width),
    );
  }
  if (spec.examples?.length) {
    lines.push("", "Examples:", ...spec.examples.flatMap((e) => block(e, width, 2)));
  }
  lines.push(
    "",
    "Exit codes:",
    ...rows(spec.exits.map((c) => [String(c), EXIT_CODE_MEANINGS[c]]), width),
  );
  return lines.join("\n");
}
