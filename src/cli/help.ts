/**
 * @module help
 * `--help` text, rendered from the command table.
 */

import { type CommandSpec, type FlagSpec, GLOBAL_FLAGS, usageLine } from "./command.ts";
import type { CommandTable } from "./parse.ts";

/** Documented exit codes (also in the README). */
export const EXIT_CODES_HELP = [
  "  0  success",
  "  1  failure (the message says what and why)",
  "  2  usage error: unknown command or flag, bad argument",
  "  3  no peer reachable, or only some peers synced",
];

const ENVIRONMENT_HELP = [
  "  MYCEL_HOME        home folder (default $XDG_DATA_HOME/mycel or ~/.local/share/mycel)",
  "  MYCEL_OFFLINE=1   never contact peers (like --no-sync)",
  "  MYCEL_PASSPHRASE_FILE",
  "                    file (mode 0600) holding the passphrase that seals the keys",
  "  MYCEL_PASSPHRASE  that passphrase itself (prefer the file; a terminal is asked)",
  "  NO_COLOR          plain output",
];

function pad(rows: [string, string][]): string[] {
  const width = Math.max(0, ...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `  ${a.padEnd(width)}  ${b}`);
}

function flagLabel(f: FlagSpec): string {
  const short = f.short ? `-${f.short}, ` : "";
  return `${short}--${f.name}${f.value ? ` ${f.value}` : ""}`;
}

/** Top-level help: every group and command, global flags, exit codes. */
export function topHelp(table: CommandTable): string {
  const lines = [
    "mycel keeps your devices in sync, with no central server.",
    "",
    "Usage: mycel [--home DIR] COMMAND [ARGS] [flags]",
    "",
    "Commands:",
  ];
  const rows: [string, string][] = [];
  for (const c of table.commands.filter((c) => c.path.length === 1)) {
    rows.push([c.path[0], c.summary]);
  }
  for (const g of table.groups) {
    const subs = table.commands.filter((c) => c.path[0] === g.name && c.path.length > 1);
    rows.push([`${g.name} ${subs.map((s) => s.path.slice(1).join(" ")).join("|")}`, g.summary]);
  }
  lines.push(...pad(rows));
  lines.push("", "Global flags:", ...pad(GLOBAL_FLAGS.map((f) => [flagLabel(f), f.help])));
  lines.push(...pad([["-V, --version", "print the version"]]));
  lines.push("", "Exit codes:", ...EXIT_CODES_HELP);
  lines.push("", "Environment:", ...ENVIRONMENT_HELP);
  lines.push("", "Run `mycel COMMAND --help` for a command's arguments and flags.");
  return lines.join("\n");
}

/** Help for a group: its commands. */
export function groupHelp(table: CommandTable, group: string): string {
  const g = table.groups.find((x) => x.name === group);
  const subs = table.commands.filter((c) => c.path[0] === group);
  return [
    `mycel ${group}: ${g?.summary ?? ""}`,
    "",
    "Commands:",
    ...pad(subs.map((c) => [usageLine(c).slice(6), c.summary])),
    "",
    `Run \`mycel ${group} COMMAND --help\` for details.`,
  ].join("\n");
}

/** Help for one command. */
export function commandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${usageLine(spec)}`, "", spec.summary];
  if (spec.description) lines.push("", spec.description);
  if (spec.aliases?.length) {
    lines.push("", `Also: ${spec.aliases.map((a) => `mycel ${a.join(" ")}`).join(", ")}`);
  }
  if (spec.args.length) {
    lines.push("", "Arguments:", ...pad(spec.args.map((a) => [a.name, a.help])));
  }
  const flags = [...spec.flags, ...GLOBAL_FLAGS];
  lines.push("", "Flags:", ...pad(flags.map((f) => [flagLabel(f), f.help])));
  if (spec.examples?.length) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  lines.push("", "Exit codes:", ...EXIT_CODES_HELP);
  return lines.join("\n");
}
