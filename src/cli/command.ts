/**
 * @module command
 * Commands are data: a path (`["pref", "set"]`), arguments, flags, help text
 * and a `run` function. The same table drives parsing, `--help` and the shell
 * completions in `completions/` (as wireguard-tools' command table and
 * Tailscale's ffcli do), so they can never disagree.
 */

import type { ExitCode } from "../errors.ts";
import type { Output } from "./output.ts";

/** A `--flag`, boolean unless it names a `value` placeholder. */
export interface FlagSpec {
  /** Long name without dashes, e.g. `json`. */
  readonly name: string;
  /** One-letter alias without the dash, e.g. `j`. */
  readonly short?: string;
  /** Placeholder when the flag takes a value, e.g. `SECONDS`. */
  readonly value?: string;
  /** One line of help. */
  readonly help: string;
  /** Allowed values, checked by the parser and offered by completion. */
  readonly choices?: readonly string[];
  /** What shells should complete the value with. */
  readonly complete?: "file" | "dir";
}

/** A positional argument. */
export interface ArgSpec {
  /** Placeholder in usage, e.g. `KEY`. */
  readonly name: string;
  /** One line of help. */
  readonly help: string;
  /** May be left out. */
  readonly optional?: boolean;
  /** Takes all remaining words. */
  readonly variadic?: boolean;
  /** Allowed values. */
  readonly choices?: readonly string[];
  /** What shells should complete it with. */
  readonly complete?: "file" | "dir";
  /** `-` means: read the value from standard input (main.ts reads it before `run`). */
  readonly stdin?: boolean;
}

/** Parsed command line for one command. */
export interface ParsedInput {
  /** Positional values by argument name (variadic ones as arrays). */
  readonly args: Record<string, string | string[] | undefined>;
  /** Flag values by long name: true for booleans, strings otherwise. */
  readonly flags: Record<string, string | boolean | undefined>;
  /** Arguments given as `-` whose value was read from standard input. */
  readonly fromStdin?: readonly string[];
}

/** What a running command gets from `main.ts`. */
export interface CommandContext {
  /** Standard output and error writers. */
  readonly out: Output;
  /** The `--home` flag, if given. */
  readonly homeFlag?: string;
  /** True with `--no-sync` or `MYCEL_OFFLINE=1`: do not contact peers. */
  readonly offline: boolean;
  /** Environment lookup. */
  readonly env: (name: string) => string | undefined;
  /** Wall clock in ms. */
  readonly now: () => number;
  /** Signal that fires on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  /** Reads standard input to the end (for `-` file arguments). */
  readonly readStdin: () => Promise<Uint8Array>;
  /** True when standard input is a terminal (a person can answer a question). */
  readonly stdinIsTerminal: boolean;
  /**
   * Ask a person: print `prompt` on standard error and read one line from the
   * terminal (without its newline); null at end of input, and at once when
   * `signal` fires (the question no longer stands: the prompt line is ended).
   * A read on a terminal cannot be taken back: after a question dropped so,
   * the command must end before asking anything else, or the dropped read
   * takes the next line typed.
   */
  readonly ask: (prompt: string, signal?: AbortSignal) => Promise<string | null>;
}

/** A command: the data that defines it and the code that runs it. */
export interface CommandSpec {
  /** Words that name it, e.g. `["pref", "set"]`. */
  readonly path: readonly string[];
  /** Other spellings, e.g. `[["set", "preference"]]`. */
  readonly aliases?: readonly (readonly string[])[];
  /** One line for command lists. */
  readonly summary: string;
  /** Longer description for `--help`. */
  readonly description?: string;
  /** Positional arguments in order. */
  readonly args: readonly ArgSpec[];
  /** Flags (besides the global ones). */
  readonly flags: readonly FlagSpec[];
  /** Example invocations, shown in help. */
  readonly examples?: readonly string[];
  /**
   * What to say when more words are given than `args` takes (else
   * "unexpected argument"): `words` are every positional word given.
   */
  readonly tooMany?: (words: readonly string[]) => { reason: string; hint: string };
  /**
   * Global flags that apply to it (help and completions show only these):
   * `home` when it uses the home folder, `no-sync` when it contacts peers
   * (a write offering its change, a sync round). `--help` always applies.
   */
  readonly globals: readonly GlobalFlagName[];
  /**
   * Exit codes it can return, shown in its help: 0, 1 and 2 for every
   * command; 3 only where a round can reach no peer or only some; 130 where
   * Ctrl-C is a way to end it (waiting on peers or for a pairing, a scan, or
   * the passphrase prompt of any command that uses the device keys).
   */
  readonly exits: readonly ExitCode[];
  /** Runs the command; returns the exit code. */
  readonly run: (ctx: CommandContext, input: ParsedInput) => Promise<number>;
}

/** A group of commands sharing a first word, e.g. `pref`. */
export interface GroupSpec {
  /** The first word. */
  readonly name: string;
  /** One line for the top-level list. */
  readonly summary: string;
}

/** Global flags a command can declare in {@link CommandSpec.globals}. */
export type GlobalFlagName = "home" | "no-sync";

/**
 * Flags given before or after the command words. The parser accepts each of
 * them with every command (scripts may pass `--no-sync` throughout), but help
 * and completions show a command only those it declares, and `--help`.
 */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: "home",
    value: "DIR",
    help: "use this home folder instead of $MYCEL_HOME",
    complete: "dir",
  },
  { name: "no-sync", help: "do not contact peers (same as MYCEL_OFFLINE=1)" },
  { name: "help", short: "h", help: "show help" },
];

/** The global flags that apply to `spec`, `--help` last. */
export function globalFlagsOf(spec: CommandSpec): FlagSpec[] {
  return GLOBAL_FLAGS.filter((f) =>
    f.name === "help" || spec.globals.includes(f.name as GlobalFlagName)
  );
}

/** Every flag of `spec`: its own, then the global ones that apply. */
export function flagsOf(spec: CommandSpec): FlagSpec[] {
  return [...spec.flags, ...globalFlagsOf(spec)];
}

/** A command that reads the home and never contacts peers. */
export const LOCAL = { globals: ["home"], exits: [0, 1, 2] } as const satisfies Pick<
  CommandSpec,
  "globals" | "exits"
>;

/**
 * A command that changes the replicated state, then offers the change to peers.
 * It signs with the device keys, so on a terminal it may ask for their
 * passphrase, where Ctrl-C stops it: 130.
 */
export const WRITES = {
  globals: ["home", "no-sync"],
  exits: [0, 1, 2, 130],
} as const satisfies Pick<
  CommandSpec,
  "globals" | "exits"
>;

/**
 * A command that reads the home and uses the device keys without changing the
 * replicated state: on a terminal it may ask for their passphrase, where
 * Ctrl-C stops it (130).
 */
export const KEYED = { globals: ["home"], exits: [0, 1, 2, 130] } as const satisfies Pick<
  CommandSpec,
  "globals" | "exits"
>;

/** The `--json` flag, shared by read commands. */
export const JSON_FLAG: FlagSpec = {
  name: "json",
  help: "print JSON (errors, too, as JSON on standard error)",
};

/** Usage line of a command: `mycel pref set KEY VALUE [flags]`. */
export function usageLine(spec: CommandSpec): string {
  const args = spec.args.map((a) => {
    const name = a.variadic ? `${a.name}...` : a.name;
    return a.optional ? `[${name}]` : name;
  });
  const flags = spec.flags.length > 0 ? ["[flags]"] : [];
  return ["mycel", ...spec.path, ...args, ...flags].join(" ");
}
