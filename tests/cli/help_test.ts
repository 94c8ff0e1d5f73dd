/**
 * @module help_test
 * Help, generated from the command table and checked against it for every
 * command (and every alias): at most 80 columns when piped; exactly the
 * command's own flags plus the global flags it declares (so `config get`
 * never offers `--no-sync`); exactly the exit codes it declares (3 only where
 * a sync round can be partial, 130 where Ctrl-C ends a wait on peers, a
 * pairing or the passphrase prompt); `mycel help CMD`, `mycel CMD --help` and
 * `mycel CMD -h` agree. The checks over every command run `main()`
 * in-process (one process per command would be slow); real processes check
 * that piped help really is 80 columns and that asking for help creates no
 * home.
 */

import assert from "node:assert/strict";
import { flagsOf } from "../../src/cli/command.ts";
import { COMMANDS } from "../../src/cli/commands/table.ts";
import { EXIT_CODE_MEANINGS, wrap } from "../../src/cli/help.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { runMain } from "./_in_process.ts";
import { roundExitCode } from "../../src/cli/sync_outcome.ts";

function tooWide(text: string, width: number): string[] {
  return text.split("\n").filter((l) => [...l].length > width);
}

/** The lines of a `Title:` section, up to the next blank line. */
function section(text: string, title: string): string[] {
  const lines = text.split("\n");
  const at = lines.indexOf(`${title}:`);
  if (at < 0) return [];
  const end = lines.indexOf("", at);
  return lines.slice(at + 1, end < 0 ? undefined : end);
}

const SPELLINGS = COMMANDS.commands.flatMap((c) =>
  [c.path, ...(c.aliases ?? [])].map((words) => ({ words: [...words], spec: c }))
);

Deno.test("help of every command: ≤ 80 columns, its own flags and exit codes only", async () => {
  for (const { words, spec } of SPELLINGS) {
    const name = words.join(" ");
    const r = await runMain([...words, "--help"]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stderr, "", name);
    assert.deepEqual(tooWide(r.stdout, 80), [], `${name} --help is wider than 80 columns`);
    assert.match(r.stdout, new RegExp(`^Usage: mycel ${spec.path.join(" ")}\\b`), name);

    const flags = section(r.stdout, "Flags").map((l) => /^ {2}(?:-\w, | {4})--([a-z-]+)/.exec(l))
      .filter((m) => m !== null).map((m) => m![1]).sort();
    assert.deepEqual(flags, flagsOf(spec).map((f) => f.name).sort(), `${name}: flags`);
    for (const global of ["home", "no-sync"] as const) {
      if (!spec.globals.includes(global)) {
        assert.ok(!r.stdout.includes(`--${global}`), `${name} mentions --${global}`);
      }
    }

    const exits = section(r.stdout, "Exit codes").map((l) => /^ {2}(\d+) /.exec(l)![1]);
    assert.deepEqual(exits, spec.exits.map(String), `${name}: exit codes`);
    for (const c of spec.exits) assert.ok(r.stdout.includes(EXIT_CODE_MEANINGS[c]), name);

    const viaHelp = await runMain(["help", ...words]);
    assert.equal(viaHelp.code, 0, name);
    assert.equal(viaHelp.stdout, r.stdout, `mycel help ${name} equals ${name} --help`);
    assert.equal((await runMain([...words, "-h"])).stdout, r.stdout, `${name} -h`);
  }
});

Deno.test("the table declares exit codes and global flags consistently", () => {
  for (const c of COMMANDS.commands) {
    const name = c.path.join(" ");
    // Every command can succeed, fail, and be given a wrong command line.
    for (const code of [0, 1, 2] as const) assert.ok(c.exits.includes(code), `${name}: ${code}`);
    // 3 ("no peer reachable, or only some synced") belongs to sync rounds only.
    assert.equal(c.exits.includes(3), name === "sync now", `${name}: exit 3`);
    // Whatever contacts peers can be told not to.
    if (c.exits.includes(3)) assert.ok(c.globals.includes("no-sync"), name);
    // 130 (Ctrl-C) where stopping is a way to end it: the pairing sides, rounds, serving,
    // folder scans, a folder remove waiting for a round, the removals' question, and the
    // passphrase prompt of every command that uses the device keys (all writes sign).
    const keyed = c.globals.includes("no-sync") ||
      ["init", "doctor", "mesh card", "keys export", "keys import"].includes(name);
    assert.equal(
      c.exits.includes(130),
      keyed || ["pair", "mesh add-device", "mesh join", "sync serve", "folder scan"].includes(name),
      `${name}: exit 130`,
    );
    assert.equal(new Set(c.globals).size, c.globals.length, `${name}: globals repeat`);
  }
  // Commands that only read never offer --no-sync.
  for (const name of ["config get", "pref list", "status", "log", "init", "mesh card"]) {
    const c = COMMANDS.commands.find((c) => c.path.join(" ") === name)!;
    assert.ok(!c.globals.includes("no-sync"), `${name} declares no-sync`);
  }
  for (const name of ["pref set", "config import", "mesh remove", "sync now"]) {
    const c = COMMANDS.commands.find((c) => c.path.join(" ") === name)!;
    assert.ok(c.globals.includes("no-sync"), `${name} lacks no-sync`);
  }
});

Deno.test("every command that prints data takes --json (files and logs excepted)", () => {
  // These print a file in its own format (config export has --format json) or a log.
  const exempt = [
    "config export",
    "sync serve",
    "discovery respond",
    "completion",
    "man",
  ];
  for (const c of COMMANDS.commands) {
    const name = c.path.join(" ");
    assert.equal(c.flags.some((f) => f.name === "json"), !exempt.includes(name), name);
  }
});

Deno.test("top-level and group help fit 80 columns when piped, and the terminal's width", async () => {
  const pages = [[], ["--help"], ["help"], ...COMMANDS.groups.map((g) => ["help", g.name])];
  for (const width of [80, 60, 120]) {
    for (const args of pages) {
      const r = await runMain(args, { width });
      assert.equal(r.code, 0, args.join(" "));
      assert.deepEqual(tooWide(r.stdout, width), [], `${args.join(" ")} at ${width} columns`);
    }
  }
  const top = (await runMain(["--help"])).stdout;
  for (const g of COMMANDS.groups) assert.match(top, new RegExp(`^ {2}${g.name} `, "m"));
  assert.match(top, /mycel help COMMAND/);
  assert.match(top, /"error": \{"code", "message", "hint"\}/);
  const group = await runMain(["help", "mesh"]);
  assert.match(group.stdout, /^mycel mesh: /);
  for (const c of COMMANDS.commands.filter((c) => c.path[0] === "mesh")) {
    assert.match(group.stdout, new RegExp(`^ {2}${c.path[1]} `, "m"));
  }
});

Deno.test("top-level help lists each group's subcommands once: its summary does not list them too", async () => {
  const lines = (await runMain(["--help"], { width: 80 })).stdout.split("\n");
  for (const g of COMMANDS.groups) {
    const at = lines.findIndex((l) => l.startsWith(`  ${g.name} `));
    assert.ok(at >= 0, g.name);
    let entry = lines[at];
    for (let i = at + 1; /^ {4,}\S/.test(lines[i] ?? ""); i++) entry += ` ${lines[i]}`;
    const subs = COMMANDS.commands.filter((c) => c.path[0] === g.name).map((c) => c.path[1]);
    // The generated list follows the last ": "; two of its names in a row before it
    // (folder's "share, join, status", keys' "(export/import)") list them twice.
    const summary = entry.slice(0, entry.lastIndexOf(": "));
    const name = `(?:${subs.join("|")})`;
    const listed = new RegExp(`(?<![\\w-])${name}\\s*[,/]\\s*${name}(?![\\w-])`).exec(summary);
    assert.equal(listed, null, `${g.name}: its summary lists subcommands: ${entry.trim()}`);
  }
});

Deno.test("a verb-first spelling's verb has help of its own: every noun it takes and what it runs", async () => {
  const verbs = [
    ...new Set(
      COMMANDS.commands.flatMap((c) => (c.aliases ?? []).filter((a) => a.length > 1))
        .map((a) => a[0]),
    ),
  ];
  assert.ok(verbs.includes("show") && verbs.includes("get"), verbs.join(" "));
  for (const verb of verbs) {
    for (const args of [[verb, "--help"], ["help", verb], [verb, "-h"]]) {
      const r = await runMain(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^mycel ${verb}: other spellings of these commands`));
      assert.deepEqual(tooWide(r.stdout, 80), [], args.join(" "));
      for (const c of COMMANDS.commands) {
        for (const a of (c.aliases ?? []).filter((a) => a.length > 1 && a[0] === verb)) {
          assert.match(
            r.stdout,
            new RegExp(`^ {2}${a.slice(1).join(" ")} +=\\s+mycel ${c.path.join(" ")}: `, "m"),
            `${args.join(" ")}: ${a.join(" ")}`,
          );
        }
      }
    }
  }
  // Alone, it is still a usage error that names the nouns and this help.
  const r = await runMain(["show"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /`show` needs what to show/);
  assert.match(r.stderr, /mycel help show/);
});

Deno.test("mycel help with an unknown command is a usage error with a suggestion", async () => {
  const r = await runMain(["help", "stauts"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: Cannot show help: no such command \(stauts\)/);
  assert.match(r.stderr, /hint: Did you mean `mycel help status`\?/);
  const sub = await runMain(["help", "pref", "sett"]);
  assert.equal(sub.code, 2);
  assert.match(sub.stderr, /Did you mean `mycel help pref set`\?/);
});

Deno.test("completion help: each shell's instructions start a line of their own", async () => {
  const r = await runMain(["completion", "--help"]);
  assert.equal(r.code, 0);
  for (const shell of ["bash", "zsh", "fish"]) {
    assert.match(r.stdout, new RegExp(`^${shell}: `, "m"), r.stdout);
  }
  // Descriptions are paragraphs (help wraps them): a line indented to sit under
  // the one before is run into it, as completion's was.
  for (const c of COMMANDS.commands) {
    const indented = (c.description ?? "").split("\n").slice(1).filter((l) => /^\s+\S/.test(l));
    assert.deepEqual(indented, [], c.path.join(" "));
  }
});

Deno.test("wrap fills lines up to the width and keeps paragraphs", () => {
  assert.deepEqual(wrap("a b c d", 3), ["a b", "c d"]);
  assert.deepEqual(wrap("one\ntwo\n\nthree", 80), ["one two", "", "three"]);
  assert.deepEqual(wrap("averyveryverylongword x", 5), ["averyveryverylongword", "x"]);
});

Deno.test("real processes: piped help is at most 80 columns and creates no home", async () => {
  await using h = await tempHome();
  for (
    const args of [["--help"], ["help", "sync", "now"], ["mesh", "remove", "--help"], ["pref"]]
  ) {
    const r = await h.run(args);
    // `mycel pref` without a subcommand is a usage error that points to the help.
    if (args[0] === "pref") {
      assert.equal(r.code, 2, describe(args, r));
      continue;
    }
    assert.equal(r.code, 0, describe(args, r));
    assert.deepEqual(tooWide(r.stdout, 80), [], describe(args, r));
  }
  assert.equal(await Deno.stat(h.home).then(() => true, () => false), false);
});

Deno.test("sync now --help states the exit rule the round applies, without contradiction", async () => {
  await using h = await tempHome();
  const r = await h.run(["sync", "now", "--help"]);
  assert.equal(r.code, 0, describe(["sync", "now", "--help"], r));
  const text = r.stdout.replace(/\s+/g, " ");
  // Before: "3 when none was reachable, or only some synced; 1 when none synced",
  // where "none synced" also covers "none was reachable".
  assert.doesNotMatch(text, /1 when none synced\./);
  // Each sentence of the rule, and round outcomes it covers with the code the round gives.
  const rule: [string, string[], number][] = [
    ["Exit 0 when every peer synced (or there is none)", ["synced", "synced"], 0],
    ["Exit 0 when every peer synced (or there is none)", [], 0],
    ["3 when some synced and the others did not", ["synced", "unreachable"], 3],
    ["3 when some synced and the others did not", ["synced", "refused"], 3],
    ["or when no peer could be reached at all", ["unreachable", "unreachable"], 3],
    ["1 when none synced and at least one was reached but refused or failed", ["refused"], 1],
    [
      "1 when none synced and at least one was reached but refused or failed",
      ["unreachable", "failed"],
      1,
    ],
  ];
  for (const [sentence, statuses, code] of rule) {
    assert.ok(text.includes(sentence), `help says: ${sentence}`);
    assert.equal(roundExitCode(statuses), code, `${sentence}: ${statuses.join(", ")}`);
  }
});

Deno.test("config import --help says the format of - is told from its text, and it is: JSON and TOML on standard input import without --format", async () => {
  await using h = await tempHome();
  const help = (await h.ok(["config", "import", "--help"])).stdout.replace(/\s+/g, " ");
  // Before: "FILE may be - for standard input (then give --format)", which
  // was never needed: the text is looked at when the name does not say.
  assert.doesNotMatch(help, /then give --format/);
  assert.match(help, /JSON when it starts with `\{`, else TOML/);
  const json = await h.ok(["config", "import", "-"], { stdin: '{"editor": {"tab": 4}}' });
  assert.match(json.stdout, /imported 1 key \(1 changed\) from -/);
  await h.ok(["config", "import", "-"], { stdin: "[git]\nname = 'me'\n" });
  assert.deepEqual(await h.json(["config", "list", "--json"]), {
    "editor.tab": 4,
    "git.name": "me",
  });
});

Deno.test("service's --dir says what each command does with DIR: only install writes there", async () => {
  const dirHelp = async (verb: string) => {
    const r = await runMain(["service", verb, "--help"], { width: 200 });
    assert.equal(r.code, 0, r.stderr);
    return /^ {6}--dir DIR +(.*)$/m.exec(r.stdout)?.[1];
  };
  assert.equal(await dirHelp("install"), "write the units (plists on macOS) into DIR instead");
  assert.equal(await dirHelp("uninstall"), "remove the units (plists on macOS) from DIR instead");
  assert.equal(await dirHelp("status"), "look for the units (plists on macOS) in DIR instead");
});
