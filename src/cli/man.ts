/**
 * @module man
 * The man page, mycel(1), rendered from the command table (pure) like
 * `--help` and the completions: every command with its usage, summary,
 * description, arguments, flags and examples, then the global flags, exit
 * codes and environment of the top-level help. `deno task completions` writes it to
 * `docs/mycel.1`; `mycel man` prints it; a test keeps the two equal and
 * renders it with groff, which must not warn.
 *
 * Text is escaped for roff: backslashes, a leading `.` or `'`, dashes in
 * option names, and every non-ASCII character as `\[uXXXX]` (so the page
 * reads the same under any input encoding).
 */

import {
  type ArgSpec,
  type CommandSpec,
  type FlagSpec,
  GLOBAL_FLAGS,
  usageLine,
} from "./command.ts";
import { ENVIRONMENT, EXIT_CODE_MEANINGS, topHelp } from "./help.ts";
import type { CommandTable } from "./command_lookup.ts";
import { VERSION } from "../version.ts";
import { ERROR_CODE_GROUPS, type LocalCode, WIRE_CODES } from "../error_codes.ts";
import { exitText } from "./error_codes_doc.ts";

/** Escape text for a roff text line or macro argument. */
export function roffText(s: string): string {
  let out = s.replace(/\\/g, "\\e");
  out = [...out].map((c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x80 ? c : `\\[u${cp.toString(16).toUpperCase().padStart(4, "0")}]`;
  }).join("");
  return out.replace(/^([.'])/, "\\&$1");
}

/** Escape a word in which every `-` is a real minus (option names, commands). */
function roffCode(s: string): string {
  return roffText(s).replace(/-/g, "\\-");
}

/**
 * A description: filled like prose, unless a line is indented (a layout such
 * as aligned examples), then kept line for line.
 */
function block(text: string): string[] {
  const lines = text.split("\n").map((l) => (l.trim() === "" ? "" : roffText(l)));
  if (!lines.some((l) => /^\s/.test(l))) return lines.map((l) => l || ".sp");
  return [".nf", ...lines, ".fi"];
}

function quoted(s: string): string {
  return `"${s.replace(/"/g, "\\(dq")}"`;
}

function flagLabel(f: FlagSpec): string {
  const short = f.short ? `\\fB\\-${roffCode(f.short)}\\fR, ` : "";
  const value = f.value ? ` \\fI${roffCode(f.value)}\\fR` : "";
  return `${short}\\fB\\-\\-${roffCode(f.name)}\\fR${value}`;
}

function argLabel(a: ArgSpec): string {
  return `\\fI${roffCode(a.name)}\\fR${a.variadic ? "..." : ""}`;
}

function choices(list: readonly string[] | undefined): string {
  return list ? ` (${list.map(roffCode).join(", ")})` : "";
}

function command(c: CommandSpec): string[] {
  const lines = [".TP", `.B ${roffCode(usageLine(c))}`, roffText(c.summary)];
  const details: string[] = [];
  if (c.description) details.push(".PP", ...block(c.description));
  if (c.aliases?.length) {
    details.push(
      ".PP",
      `Also: ${c.aliases.map((a) => `\\fBmycel ${roffCode(a.join(" "))}\\fR`).join(", ")}`,
    );
  }
  for (const a of c.args) {
    details.push(".TP", argLabel(a), roffText(a.help) + choices(a.choices));
  }
  for (const f of c.flags) {
    details.push(".TP", flagLabel(f), roffText(f.help) + choices(f.choices));
  }
  if (c.examples?.length) {
    details.push(".PP", "Example:", ".RS", ".nf", ...c.examples.map(roffText), ".fi", ".RE");
  }
  return details.length ? [...lines, ".RS", ...details, ".RE"] : lines;
}

/** Every error code with its meaning and exit code (docs/error_codes.md says the same). */
function diagnostics(): string[] {
  const out = [
    ".SH DIAGNOSTICS",
    "With \\fB\\-\\-json\\fR, an error is one JSON object on standard error,",
    "{\\(dqerror\\(dq: {\\(dqcode\\(dq, \\(dqmessage\\(dq, \\(dqhint\\(dq}};",
    "its code, one of these, is stable for scripts (the exit code follows each meaning).",
  ];
  for (const [group, codes] of Object.entries(ERROR_CODE_GROUPS)) {
    out.push(`.SS ${quoted(roffText(group))}`);
    for (const [code, meaning] of Object.entries(codes)) {
      out.push(
        ".TP",
        `.B ${roffCode(code)}`,
        roffText(`${meaning} (exit ${exitText(code as LocalCode)})`),
      );
    }
  }
  out.push(
    '.SS "Codes from a peer"',
    "A peer that stops a session sends its code: it comes back as \\fBpeer_\\fR\\fIcode\\fR",
    "(exit 1) for a code above or one of these, else \\fBpeer_error\\fR.",
  );
  for (const [code, meaning] of Object.entries(WIRE_CODES)) {
    out.push(".TP", `.B ${roffCode(`peer_${code}`)}`, roffText(meaning));
  }
  return out;
}

/** The whole man page. */
export function manPage(table: CommandTable): string {
  const help = topHelp(table);
  const out = [
    '.\\" mycel(1), generated from the command table by `deno task completions`; do not edit.',
    `.TH MYCEL 1 "" ${quoted(`mycel ${VERSION}`)} "User Commands"`,
    ".nh", // command and file names must not be hyphenated
    ".ad l",
    ".SH NAME",
    "mycel \\- keep one person\\(aqs devices in sync, with no central server",
    ".SH SYNOPSIS",
    ".B mycel",
    "[\\fB\\-\\-home\\fR \\fIDIR\\fR] [\\fB\\-\\-no\\-sync\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR] [\\fIflags\\fR]",
    ".SH DESCRIPTION",
    roffText(help.split("\n")[0]),
    "Every command is a short\\-lived process; a systemd timer, launchd agent or cron line",
    "runs \\fBmycel sync now\\fR every 30 seconds.",
    "Every command has \\fB\\-\\-help\\fR; read commands take \\fB\\-\\-json\\fR.",
    ".SH COMMANDS",
  ];
  for (const c of table.commands.filter((c) => c.path.length === 1)) out.push(...command(c));
  for (const g of table.groups) {
    out.push(`.SS ${quoted(`${g.name}: ${roffText(g.summary)}`)}`);
    for (const c of table.commands.filter((c) => c.path[0] === g.name && c.path.length > 1)) {
      out.push(...command(c));
    }
  }
  out.push(".SH OPTIONS", "These flags work with every command.");
  for (const f of GLOBAL_FLAGS) out.push(".TP", flagLabel(f), roffText(f.help));
  out.push(".TP", "\\fB\\-V\\fR, \\fB\\-\\-version\\fR", "print the version");
  out.push(".SH EXIT STATUS");
  for (const [code, text] of Object.entries(EXIT_CODE_MEANINGS)) {
    out.push(".TP", `.B ${code}`, roffText(text));
  }
  out.push(...diagnostics());
  out.push(".SH ENVIRONMENT");
  for (const [name, text] of ENVIRONMENT) {
    out.push(".TP", `.B ${roffCode(name)}`, roffText(text));
  }
  out.push(
    ".SH SEE ALSO",
    "\\fBwg\\fR(8), \\fBsystemd.timer\\fR(5), \\fBsystemd.socket\\fR(5), \\fBlaunchd.plist\\fR(5),",
    "\\fBcrontab\\fR(5)",
  );
  return out.join("\n") + "\n";
}
