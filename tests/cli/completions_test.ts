/**
 * @module completions_test
 * Shell completions: the checked-in `completions/*` equal what the command
 * table generates now (run `deno task completions` after changing a command),
 * and each shell really completes with them:
 * - bash: source the file, set COMP_WORDS/COMP_CWORD, call `_mycel`, read
 *   COMPREPLY; `complete -p mycel` names `_mycel`;
 * - zsh: `zsh -n`; compinit registers `_mycel` for `mycel` from fpath; and a
 *   real Tab in an interactive zsh on a pseudo-terminal (`zsh/zpty`) offers
 *   the expected words (captured through a `compadd` wrapper);
 * - fish: `fish -n`; `complete -C "mycel …"` lists words with descriptions.
 * `mycel completion SHELL` prints exactly those files (so an installed binary
 * needs no repository), and completes its own SHELL argument.
 * A shell that is not installed is skipped with a printed reason.
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/commands/table.ts";
import { flagsOf } from "../../src/cli/command.ts";
import { allCompletions, bashCompletion } from "../../src/cli/completions.ts";
import { mycel, REPO_ROOT } from "../helpers/mycel.ts";
import { type ProcResult, runProcess, which } from "../helpers/process.ts";

const DIR = `${REPO_ROOT}/completions`;

const BASH = which("bash");
const ZSH = which("zsh");
const FISH = which("fish");
for (const [name, path] of [["bash", BASH], ["zsh", ZSH], ["fish", FISH]]) {
  if (!path) console.log(`${name} completion tests skipped: ${name} is not installed`);
}

/** Run a shell: in the repository, with NO_COLOR and TERM set, killed by PID after 20 s. */
function sh(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ProcResult> {
  return runProcess(cmd, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: { NO_COLOR: "1", TERM: "xterm", ...options.env },
    timeoutMs: options.timeoutMs ?? 20_000,
  });
}

Deno.test("completions/* are up to date with the command table", async () => {
  const want = allCompletions(COMMANDS);
  assert.deepEqual(Object.keys(want).sort(), ["_mycel", "mycel.bash", "mycel.fish"]);
  for (const [name, text] of Object.entries(want)) {
    let have: string | undefined;
    try {
      have = await Deno.readTextFile(`${DIR}/${name}`);
    } catch {
      have = undefined;
    }
    assert.ok(
      have === text,
      `completions/${name} is out of date with src/cli/commands/table.ts: run \`deno task completions\``,
    );
  }
});

Deno.test("mycel completion bash|zsh|fish prints the checked-in file; a bad shell is a usage error", async () => {
  for (const [shell, file] of [["bash", "mycel.bash"], ["zsh", "_mycel"], ["fish", "mycel.fish"]]) {
    const r = await mycel(["completion", shell]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, await Deno.readTextFile(`${DIR}/${file}`), `completion ${shell}`);
  }
  const bad = await mycel(["completion", "tcsh"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /SHELL must be bash, zsh or fish/);
  assert.equal(bad.stdout, "");
});

Deno.test("each command completes exactly its own flags and the global flags it declares", () => {
  const bash = bashCompletion(COMMANDS);
  for (const c of COMMANDS.commands) {
    const want = flagsOf(c).map((f) => `--${f.name}`).sort();
    const quoted = `'${c.path.join(" ")}')`;
    const at = bash.indexOf(`    ${quoted}\n`);
    assert.ok(at >= 0, `bash has a case for ${c.path.join(" ")}`);
    const words = /\n {6}esac\n {6}COMPREPLY=\(\$\(compgen -W '([^']*)' -- "\$cur"\)\)/.exec(
      bash.slice(at),
    )![1];
    // Besides flags, an argument with fixed choices offers them (e.g. the shells).
    const flagWords = words.split(" ").filter((w) => w.startsWith("-")).sort();
    assert.deepEqual(flagWords, want, c.path.join(" "));
    if (!c.globals.includes("no-sync")) assert.ok(!want.includes("--no-sync"));
  }
  // No alias is offered as a word (they still parse; their command's help lists them).
  const canonical = new Set(COMMANDS.commands.map((c) => c.path[0]));
  const aliasOnly = [
    ...new Set(COMMANDS.commands.flatMap((c) => (c.aliases ?? []).map((a) => a[0]))),
  ].filter((w) => !canonical.has(w));
  assert.ok(aliasOnly.includes("show"), `aliases exist: ${aliasOnly}`);
  const top = /\(\(\$\{#words\[@\]\} == 0\)\); then\n\s*COMPREPLY=\(\$\(compgen -W '([^']*)'/.exec(
    bash,
  )!;
  for (const w of aliasOnly) assert.ok(!top[1].split(" ").includes(w), `${w} is not offered`);
});

Deno.test("the generated completions mention every command and flag", () => {
  const all = allCompletions(COMMANDS);
  for (const c of COMMANDS.commands) {
    for (const word of c.path) {
      for (const [name, text] of Object.entries(all)) {
        assert.ok(text.includes(word), `${name} lacks ${word}`);
      }
    }
    for (const f of c.flags) {
      for (const [name, text] of Object.entries(all)) {
        assert.ok(
          text.includes(name === "mycel.fish" ? `-l ${f.name}` : `--${f.name}`),
          `${name} lacks --${f.name} of ${c.path.join(" ")}`,
        );
      }
    }
  }
});

// ---------------------------------------------------------------------------
// bash

/** COMPREPLY of `_mycel` for `words` (the last one is being completed). */
async function bashComplete(words: string[], cwd = REPO_ROOT): Promise<string[]> {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const script = `source '${DIR}/mycel.bash'
COMP_WORDS=(${quoted}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=()
_mycel
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = await sh(BASH!, ["--norc", "--noprofile", "-c", script], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "", `bash printed errors for ${words.join(" ")}`);
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

Deno.test({
  name: "bash: _mycel completes commands, subcommands, flags and flag values",
  ignore: !BASH,
  async fn() {
    assert.deepEqual(await bashComplete(["mycel", "pr"]), ["pref"]);
    assert.deepEqual(await bashComplete(["mycel", "pref", "s"]), ["set"]);
    assert.deepEqual(await bashComplete(["mycel", "pref", ""]), ["get", "list", "set", "unset"]);
    // Only canonical spellings: the alias `set pref` is not offered.
    assert.deepEqual(await bashComplete(["mycel", "se"]), ["service"]);
    // `help` completes commands, then a group's subcommands.
    assert.deepEqual(await bashComplete(["mycel", "help", "sta"]), ["status"]);
    assert.deepEqual(await bashComplete(["mycel", "help", "sync", ""]), [
      "compact",
      "now",
      "retention",
      "serve",
    ]);
    // A command that never contacts peers does not offer --no-sync.
    const get = await bashComplete(["mycel", "config", "get", "--"]);
    assert.deepEqual(get, ["--help", "--home", "--json"]);
    const syncNow = await bashComplete(["mycel", "sync", "now", "--"]);
    for (const f of ["--json", "--timeout", "--home", "--no-sync", "--help"]) {
      assert.ok(syncNow.includes(f), `sync now -- offers ${f}: ${syncNow}`);
    }
    assert.ok(!syncNow.includes("--format"), "only sync now's own flags");
    assert.deepEqual(await bashComplete(["mycel", "config", "export", "--format", ""]), [
      "json",
      "toml",
    ]);
    assert.deepEqual(await bashComplete(["mycel", "config", "export", "--format", "t"]), ["toml"]);
    // A flag taking a free value offers nothing.
    assert.deepEqual(await bashComplete(["mycel", "sync", "now", "--timeout", ""]), []);
    // --home DIR is skipped when finding the command.
    assert.deepEqual(await bashComplete(["mycel", "--home", "/tmp", "pref", "s"]), ["set"]);
    const top = await bashComplete(["mycel", ""]);
    for (const w of ["pref", "config", "sync", "service", "doctor", "mesh", "--help"]) {
      assert.ok(top.includes(w), `top level offers ${w}: ${top}`);
    }
    // completion declares no global flag but --help; its argument offers the shells.
    assert.deepEqual(await bashComplete(["mycel", "completion", ""]), [
      "--help",
      "bash",
      "fish",
      "zsh",
    ]);
    assert.deepEqual(await bashComplete(["mycel", "completion", "z"]), ["zsh"]);
    const install = await bashComplete(["mycel", "service", "install", "--"]);
    for (const f of ["--user", "--system", "--dir", "--interval", "--port", "--cron", "--apply"]) {
      assert.ok(install.includes(f), `service install offers ${f}`);
    }
  },
});

Deno.test({
  name: "bash: --dir and --home complete folders only; complete -p names _mycel",
  ignore: !BASH,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mycel-compl-" });
    try {
      await Deno.mkdir(`${dir}/units`);
      await Deno.mkdir(`${dir}/unused`);
      await Deno.writeTextFile(`${dir}/unfile.txt`, "");
      assert.deepEqual(await bashComplete(["mycel", "service", "install", "--dir", "un"], dir), [
        "units",
        "unused",
      ]);
      assert.deepEqual(await bashComplete(["mycel", "--home", "un"], dir), ["units", "unused"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    const r = await sh(BASH!, [
      "--norc",
      "--noprofile",
      "-c",
      `source '${DIR}/mycel.bash'; complete -p mycel`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "complete -F _mycel mycel");
  },
});

// ---------------------------------------------------------------------------
// zsh

/**
 * Type `line` + Tab into an interactive `zsh -f -i` on a pseudo-terminal with
 * completions/ on fpath, and print every word the completion offered (one a
 * line), captured by wrapping `compadd`.
 */
const ZSH_CAPTURE = String.raw`
zmodload zsh/zpty || { print -u2 'zsh/zpty is not available'; exit 3 }
fdir=$1 query=$2
zpty z zsh -f -i
# The prompt is a marker: seeing it means zle is reading keys (in raw mode).
zpty -w z "PROMPT=PR''OMPT-MARK RPROMPT= ; fpath=(${"$"}{(q)fdir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "compadd() { if [[ \${"$"}{@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a __h; builtin compadd -O __h \"\$@\"; local x; for x in \$__h; do print -r -- \"<<\$x>>\"; done; builtin compadd \"\$@\"; }"
zpty -w z "bindkey '^I' complete-word; print -r -- RE''ADY"
local out
zpty -r z out '*READY*PROMPT-MARK*' || { print -u2 'zsh did not start'; exit 2 }
zpty -w -n z "$query"$'\t'
zpty -w -n z $'\C-u'
zpty -w z "print -r -- DO''NE"
zpty -r z out '*DONE*PROMPT-MARK*' || { print -u2 'no answer'; exit 2 }
print -r -- "$out" | grep -ao '<<[^>]*>>' | grep -v '<<\$x>>' | sed 's/^<<//; s/>>$//' | sort -u
zpty -d z
`;

async function zshComplete(line: string): Promise<string[] | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-zsh-" });
  try {
    await Deno.writeTextFile(`${dir}/capture.zsh`, ZSH_CAPTURE);
    const r = await sh(ZSH!, ["-f", `${dir}/capture.zsh`, DIR, line], {
      env: { HOME: dir, ZDOTDIR: dir, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    });
    if (r.code === 3) return undefined;
    assert.equal(r.code, 0, `zsh capture for ${JSON.stringify(line)}:\n${r.stderr}`);
    return r.stdout.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l !== "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "zsh: the file parses and compinit binds _mycel to mycel",
  ignore: !ZSH,
  async fn() {
    const n = await sh(ZSH!, ["-n", `${DIR}/_mycel`]);
    assert.equal(n.code, 0, `zsh -n completions/_mycel:\n${n.stderr}`);
    const dir = await Deno.makeTempDir({ prefix: "mycel-zsh-" });
    try {
      const r = await sh(ZSH!, [
        "-f",
        "-c",
        `fpath=('${DIR}' $fpath); autoload -U compinit; compinit -u -D; print -r -- $_comps[mycel]; autoload +X _mycel; (( $+functions[_mycel] )) && print defined`,
      ], { env: { HOME: dir, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "_mycel\ndefined\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "zsh: a real Tab offers subcommands, flags and flag values",
  ignore: !ZSH,
  async fn() {
    const cases: [string, string[]][] = [
      ["mycel pr", ["pref"]],
      ["mycel pref s", ["set"]],
      ["mycel config export --format ", ["json", "toml"]],
      ["mycel completion ", ["bash", "fish", "zsh"]],
    ];
    for (const [line, want] of cases) {
      const got = await zshComplete(line);
      if (got === undefined) {
        console.log("zsh Tab test skipped: the zsh/zpty module is not available");
        return;
      }
      assert.deepEqual(got, want, `zsh completes ${JSON.stringify(line)}`);
    }
    const flags = (await zshComplete("mycel sync now --"))!;
    for (const f of ["--json", "--timeout", "--home", "--no-sync", "--help"]) {
      assert.ok(flags.includes(f), `sync now -- offers ${f}: ${flags}`);
    }
    const top = (await zshComplete("mycel "))!;
    for (const w of ["pref", "config", "sync", "service", "doctor", "mesh"]) {
      assert.ok(top.includes(w), `top level offers ${w}: ${top}`);
    }
  },
});

// ---------------------------------------------------------------------------
// fish

async function fishComplete(line: string): Promise<[string, string][]> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-fish-" });
  try {
    const r = await sh(FISH!, [
      "--no-config",
      "-c",
      `source '${DIR}/mycel.fish'; complete -C '${line.replace(/'/g, "\\'")}'`,
    ], {
      env: {
        HOME: dir,
        XDG_CONFIG_HOME: dir,
        XDG_DATA_HOME: dir,
        PATH: Deno.env.get("PATH") ?? "",
      },
    });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split("\n").filter((l) => l !== "").map((l) => {
      const [w, d = ""] = l.split("\t");
      return [w, d];
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "fish: the file parses and complete -C answers with descriptions",
  ignore: !FISH,
  async fn() {
    const n = await sh(FISH!, ["--no-config", "-n", `${DIR}/mycel.fish`]);
    assert.equal(n.code, 0, `fish -n completions/mycel.fish:\n${n.stderr}`);

    const pref = COMMANDS.groups.find((g) => g.name === "pref")!.summary;
    assert.deepEqual(await fishComplete("mycel pr"), [["pref", pref]]);
    const set = COMMANDS.commands.find((c) => c.path.join(" ") === "pref set")!.summary;
    assert.deepEqual(await fishComplete("mycel pref s"), [["set", set]]);
    const format = await fishComplete("mycel config export --format ");
    assert.deepEqual(format.map(([w]) => w), ["json", "toml"]);
    const syncNow = await fishComplete("mycel sync now --");
    const timeout = COMMANDS.commands.find((c) => c.path.join(" ") === "sync now")!.flags.find((
      f,
    ) => f.name === "timeout")!;
    assert.ok(
      syncNow.some(([w, d]) => w === "--timeout" && d === timeout.help),
      JSON.stringify(syncNow),
    );
    assert.ok(syncNow.some(([w]) => w === "--json"), JSON.stringify(syncNow));
    const shells = await fishComplete("mycel completion ");
    assert.deepEqual(shells.map(([w]) => w).sort(), ["bash", "fish", "zsh"]);
  },
});
