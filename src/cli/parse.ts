/**
 * @module parse
 * Turns argv into a command and its input using only the command table.
 * Command words come first (global flags may precede them), then arguments
 * and flags in any order; `--` ends flags. Mistakes are usage errors that
 * name the offending word and suggest the closest valid one.
 *
 * Here: the global flags, `--version` and `help` routing, and the
 * command's own arguments and flags. Finding a command by its words, and
 * the error naming the closest when none matches, is command_lookup.ts.
 * (Split no further: main.ts loads this and everything it imports before
 * any command runs, and tests/cli/command_modules_test.ts caps that walk.)
 */

import { orList, usageError } from "../errors.ts";
import {
  type CommandSpec,
  flagsOf,
  type FlagSpec,
  type ParsedInput,
  usageLine,
} from "./command.ts";
import {
  commandMiss,
  type CommandTable,
  helpTarget,
  spellings,
  suggest,
  verbSpellings,
} from "./command_lookup.ts";

/** Flags that apply before any command is chosen. */
export interface GlobalInput {
  /** `--home DIR`. */
  home?: string;
  /** `--no-sync`. */
  noSync: boolean;
}

/** What argv asks for. */
export type ParseOutcome =
  | { kind: "run"; spec: CommandSpec; input: ParsedInput; global: GlobalInput }
  | { kind: "help"; spec?: CommandSpec; group?: string; verb?: string; global: GlobalInput }
  | { kind: "version"; json: boolean };

function isFlagToken(t: string): boolean {
  return t.startsWith("-") && t !== "-" && !/^-\d/.test(t);
}

function findFlag(token: string, flags: readonly FlagSpec[]): FlagSpec | undefined {
  if (token.startsWith("--")) return flags.find((f) => f.name === token.slice(2));
  return flags.find((f) => f.short === token.slice(1));
}

/**
 * The first command word of `argv` (global flags and their values skipped),
 * as `parseArgv` will see it; undefined when there is none or the global
 * flags are malformed (the full parse names the mistake). Lets `main.ts`
 * load only the command modules that can match.
 */
export function commandWord(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (
      t === "--help" || t === "-h" || t === "--no-sync" || t === "--json" ||
      t.startsWith("--home=")
    ) continue;
    if (t === "--home") i++;
    else return isFlagToken(t) || t === "--" ? undefined : t;
  }
  return undefined;
}

/** Parse `argv` against `table`. Throws a usage MycelError on mistakes. */
export function parseArgv(argv: readonly string[], table: CommandTable): ParseOutcome {
  const global: GlobalInput = { noSync: false };
  let help = false;
  // `--version` prints the version, except for a command with its own
  // `--version` flag (`folder restore PATH --version N`).
  let version = false;
  const rest: string[] = [];
  // `--json` is listed with the global flags, so it may come anywhere, even
  // before the command words (`mycel --json status`); it goes to the command,
  // which refuses it by name when it prints no data.
  let json = false;
  // Pass 1: pull out global flags, keep everything else in order.
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (t === "--version" || t === "-V") {
      version = true;
      rest.push(t);
    } else if (t === "--help" || t === "-h") help = true;
    else if (t === "--json") json = true;
    else if (t === "--no-sync") global.noSync = true;
    else if (t === "--home" || t.startsWith("--home=")) {
      const value = t.startsWith("--home=") ? t.slice(7) : argv[++i];
      if (value === undefined || value === "") {
        throw usageError("parse flags", "--home needs a folder", {
          ...(value === "" ? { value: "''" } : {}),
          hint: "Give the home's folder (--home ~/.local/share/mycel), or leave --home out " +
            "for the default ($MYCEL_HOME, else $XDG_DATA_HOME/mycel, else ~/.local/share/mycel).",
        });
      }
      global.home = value;
    } else rest.push(t);
  }
  const ownVersion = (spec: { flags: readonly { name: string }[] } | undefined) =>
    spec?.flags.some((f) => f.name === "version") === true;
  const words: string[] = [];
  for (const t of rest) {
    if (isFlagToken(t) || t === "--") break;
    words.push(t);
  }
  // A flag before any command word that is not a global one (`mycel --bogus
  // status`, a typo in a cron line): refused, never the help with exit 0 —
  // that ran nothing and reported success.
  if (words.length === 0 && rest.length > 0 && isFlagToken(rest[0]) && !help && !version) {
    throw usageError("parse flags", "unknown flag before the command", {
      value: rest[0],
      hint: "Before the command only --home, --json, --no-sync, --help and --version go; " +
        "a command's own flags come after it (`mycel COMMAND --help`).",
    });
  }
  // Global flags and no command (`mycel --home status`: the command taken as
  // --home's folder): refused as a stray flag is, not the help with exit 0.
  if (
    words.length === 0 && !help && !version && (global.home !== undefined || global.noSync || json)
  ) {
    const taken = global.home !== undefined &&
      (global.home === "help" || table.commands.some((c) => c.path[0] === global.home) ||
        table.groups.some((g) => g.name === global.home));
    throw usageError("parse flags", "no command after the flags", {
      hint: taken
        ? `--home took \`${global.home}\` as its folder: give the folder after --home ` +
          `(\`mycel --home DIR ${global.home}\`).`
        : "`mycel --help` lists the commands.",
    });
  }
  if (words.length === 1 && words[0] === "version") return { kind: "version", json };
  if (words[0] === "help") return { kind: "help", ...helpTarget(words.slice(1), table), global };
  const match = spellings(table).find(([path]) =>
    path.length <= words.length && path.every((w, i) => w === words[i])
  );
  if (version && (!ownVersion(match?.[1]) || rest.includes("-V"))) {
    // `folder versions PATH --version 2`: a value after it means a flag the
    // command lacks, not "print mycel's version" — which ran nothing, exit 0.
    const at = rest.indexOf("--version");
    const next = rest[at + 1];
    if (
      match !== undefined && !ownVersion(match[1]) && at >= match[0].length &&
      next !== undefined && !isFlagToken(next) && next !== "--"
    ) {
      const owners = table.commands.filter(ownVersion).map((c) => `mycel ${c.path.join(" ")}`);
      throw usageError(`run ${["mycel", ...match[0]].join(" ")}`, "unknown flag", {
        value: "--version",
        hint: `It takes no --version${
          owners.length > 0 ? ` (${owners.join(", ")} does)` : ""
        }; mycel's own version: \`mycel --version\`.`,
      });
    }
    return { kind: "version", json };
  }
  if (match === undefined) {
    // `--help` shows a group's help only after the group's word alone: after
    // a word the group lacks (`mycel mesh status --help`) it is the same
    // mistake as without `--help` (before: the group's help, exit 0).
    if (help || words.length === 0) {
      const group = table.groups.find((g) => g.name === words[0])?.name;
      if (words.length === 0 || (group && words.length === 1)) {
        return { kind: "help", group, global };
      }
    }
    // `mycel get --help`: the nouns a verb-first verb takes (`mycel help get`).
    if (help && words.length === 1 && verbSpellings(table, words[0]).length > 0) {
      return { kind: "help", verb: words[0], global };
    }
    throw commandMiss(words, table);
  }
  const [path, spec] = match;
  if (help) return { kind: "help", spec, global };
  const tokens = rest.slice(path.length);
  if (json) {
    tokens.splice(tokens.includes("--") ? tokens.indexOf("--") : tokens.length, 0, "--json");
  }
  return { kind: "run", spec, input: parseInput(spec, tokens), global };
}

/** True when argv asks for JSON output (so errors are printed as JSON too). */
export function wantsJson(argv: readonly string[]): boolean {
  for (const t of argv) {
    if (t === "--") return false;
    if (t === "--json") return true;
  }
  return false;
}

/** Parse the arguments and flags that follow the command words. */
export function parseInput(spec: CommandSpec, tokens: readonly string[]): ParsedInput {
  const flags: Record<string, string | boolean | undefined> = {};
  const positional: string[] = [];
  const action = `run ${["mycel", ...spec.path].join(" ")}`;
  const hint = `Usage: ${usageLine(spec)}`;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === "--") {
      positional.push(...tokens.slice(i + 1));
      break;
    }
    if (!isFlagToken(t)) {
      positional.push(t);
      continue;
    }
    const eq = t.indexOf("=");
    const name = t.startsWith("--") && eq > 0 ? t.slice(0, eq) : t;
    const flag = findFlag(name, spec.flags);
    if (flag === undefined) {
      const known = flagsOf(spec).map((f) => `--${f.name}`);
      const guess = suggest(name, known);
      throw usageError(action, "unknown flag", {
        value: name,
        hint: guess ? `Did you mean ${guess}?` : hint,
      });
    }
    if (flag.value === undefined) {
      if (eq > 0) throw usageError(action, `--${flag.name} takes no value`, { value: t, hint });
      flags[flag.name] = true;
      continue;
    }
    const value = eq > 0 ? t.slice(eq + 1) : tokens[++i];
    if (value === undefined) {
      throw usageError(action, `--${flag.name} needs a value ${flag.value}`, { hint });
    }
    if (flag.choices && !flag.choices.includes(value)) {
      throw usageError(action, `--${flag.name} must be ${orList(flag.choices)}`, {
        value,
        // What the flag is for: the choices alone do not say which to pick.
        hint: `--${flag.name} ${flag.value}: ${flag.help}.`,
      });
    }
    flags[flag.name] = value;
  }
  const args: Record<string, string | string[] | undefined> = {};
  let at = 0;
  for (const a of spec.args) {
    if (a.variadic) {
      args[a.name] = positional.slice(at);
      at = positional.length;
      if (!a.optional && (args[a.name] as string[]).length === 0) {
        throw usageError(action, `missing argument ${a.name}`, { hint });
      }
      continue;
    }
    const v = positional[at];
    if (v === undefined) {
      if (!a.optional) throw usageError(action, `missing argument ${a.name}`, { hint });
      continue;
    }
    if (a.choices && !a.choices.includes(v)) {
      throw usageError(action, `${a.name} must be ${orList(a.choices)}`, { value: v, hint });
    }
    args[a.name] = v;
    at++;
  }
  if (at < positional.length) {
    const said = spec.tooMany?.(positional);
    throw usageError(action, said?.reason ?? "unexpected argument", {
      value: positional[at],
      hint: said?.hint ?? hint,
    });
  }
  return { args, flags };
}
