/**
 * @module command_lookup
 * Finding a command by its words in the command table: every spelling of
 * every command (its path and aliases, verb-first ones like `show prefs`
 * included), and when the words name none, the usage error that says what
 * they came closest to — a group's subcommands, a verb's nouns, or the
 * nearest command; and what `mycel help WORDS` names. "Did you mean"
 * ({@link suggest}) is here too: flags are guessed the same way. Apart from parse.ts so help and completions read the
 * same spellings without the argv parser.
 */

import { type MycelError, usageError } from "../errors.ts";
import type { CommandSpec, GroupSpec } from "./command.ts";

/** Edit distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The closest candidate to `word`, if close enough to be a likely typo. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** All commands and groups. */
export interface CommandTable {
  /** Groups (first words) with summaries. */
  readonly groups: readonly GroupSpec[];
  /** Every command. */
  readonly commands: readonly CommandSpec[];
}

/** Every spelling of every command, longest first. */
export function spellings(table: CommandTable): [readonly string[], CommandSpec][] {
  const all: [readonly string[], CommandSpec][] = [];
  for (const c of table.commands) {
    all.push([c.path, c]);
    for (const a of c.aliases ?? []) all.push([a, c]);
  }
  return all.sort((a, b) => b[0].length - a[0].length);
}

/** The verb-first spellings starting with `verb` (`show prefs`, …), in table order. */
export function verbSpellings(table: CommandTable, verb: string): [string[], CommandSpec][] {
  const out: [string[], CommandSpec][] = [];
  for (const c of table.commands) {
    for (const a of c.aliases ?? []) if (a.length > 1 && a[0] === verb) out.push([[...a], c]);
  }
  return out;
}

/** `mycel help [GROUP] [COMMAND]`: what to show help for. */
export function helpTarget(
  words: readonly string[],
  table: CommandTable,
): { spec?: CommandSpec; group?: string; verb?: string } {
  if (words.length === 0) return {};
  const spec = spellings(table).find(([path]) =>
    path.length === words.length && path.every((w, i) => w === words[i])
  )?.[1];
  if (spec) return { spec };
  const group = table.groups.find((g) => g.name === words[0]);
  if (group && words.length === 1) return { group: group.name };
  if (words.length === 1 && verbSpellings(table, words[0]).length > 0) {
    return { verb: words[0] };
  }
  // A group's word and one it lacks: as `mycel mesh status` says it.
  if (group) {
    throw usageError("show help", "no such command", {
      value: words.join(" "),
      hint: subcommandHint(group.name, words.slice(1), table, "mycel help"),
    });
  }
  const all = table.commands.map((c) => c.path.join(" "));
  const guess = suggest(words.join(" "), all);
  throw usageError("show help", "no such command", {
    value: words.join(" "),
    hint: guess ? `Did you mean \`mycel help ${guess}\`?` : "Run `mycel help` to see the commands.",
  });
}

/**
 * What to say about `rest` after group `group` that names none of its
 * subcommands: the nearest one when it is a likely typo; else, when `rest`
 * spells a command outside the group (`mycel mesh status`), that command
 * and the group's `list` (the group's overview, when it has one); else
 * where the group's commands are listed (before, every subcommand joined
 * with "|", which pointed nowhere).
 */
function subcommandHint(
  group: string,
  rest: readonly string[],
  table: CommandTable,
  via: "mycel" | "mycel help" = "mycel",
): string {
  const listing = `\`${via === "mycel" ? `mycel ${group} --help` : `mycel help ${group}`}\` ` +
    `lists ${group}'s commands.`;
  if (rest.length === 0) return `Run \`mycel ${group} --help\` to see its commands.`;
  const mine = table.commands.filter((c) => c.path[0] === group);
  const near = suggest(rest[0], mine.map((c) => c.path[1]));
  if (near !== undefined) return `Did you mean \`${via} ${group} ${near}\`?`;
  const other = spellings(table).find(([path, c]) =>
    c.path[0] !== group && path.length <= rest.length && path.every((w, i) => w === rest[i])
  );
  if (other === undefined) return listing;
  const list = mine.find((c) => c.path[1] === "list");
  return `Did you mean \`${via} ${other[0].join(" ")}\`? It is a command of its own, not ` +
    `${group}'s. ${list ? `\`mycel ${group} list\`: ${list.summary}; ` : ""}${listing}`;
}

/**
 * The usage error for command `words` that match no spelling: a group
 * without its subcommand or with an unknown one, a verb-first verb without
 * its noun or with an unknown one, or an unknown first word.
 */
export function commandMiss(words: readonly string[], table: CommandTable): MycelError {
  const group = table.groups.find((g) => g.name === words[0]);
  if (group) {
    return usageError(
      "run command",
      words[1] === undefined ? `\`${group.name}\` needs a subcommand` : "unknown subcommand",
      { value: words[1], hint: subcommandHint(group.name, words.slice(1), table) },
    );
  }
  // A verb-first spelling's verb alone (`mycel get`), or with a noun it
  // does not take: name the nouns it does.
  const nouns = [...new Set(verbSpellings(table, words[0]).map(([p]) => p[1]))];
  if (nouns.length > 0) {
    const guess = words[1] === undefined ? undefined : suggest(words[1], nouns);
    return usageError(
      "run command",
      words[1] === undefined ? `\`${words[0]}\` needs what to ${words[0]}` : "unknown command",
      {
        value: words[1] === undefined ? undefined : `${words[0]} ${words[1]}`,
        hint: `Did you mean \`mycel ${words[0]} ${guess ?? nouns.join("|")}\`? ` +
          `(\`mycel help ${words[0]}\` lists them)`,
      },
    );
  }
  const first = new Set(table.commands.map((c) => c.path[0]));
  const guess = suggest(words[0], first);
  return usageError("run command", "unknown command", {
    value: words[0],
    hint: guess ? `Did you mean \`mycel ${guess}\`?` : "Run `mycel --help` to see the commands.",
  });
}
