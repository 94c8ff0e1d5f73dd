/**
 * @module command_modules_test
 * A run loads only the command modules its first word can reach
 * (src/cli/commands/command_modules.ts) and must still parse exactly as the
 * full table does: each module lists exactly the first words of its
 * commands' spellings, the full table is every module in order, and for
 * every spelling (with help, typos and global flags around it) the lazy
 * parse and the full parse agree. Deno walks only ten modules before
 * main.ts runs: no command, store or sync code.
 */

import assert from "node:assert/strict";
import { parseLazily } from "../../main.ts";
import { COMMAND_MODULES, commandsFor } from "../../src/cli/commands/command_modules.ts";
import { COMMANDS } from "../../src/cli/commands/table.ts";
import { parseArgv } from "../../src/cli/parse.ts";
import { REPO_ROOT } from "../helpers/mycel.ts";
import { runProcess } from "../helpers/process.ts";

Deno.test("every command module lists exactly the first words of its commands' spellings", async () => {
  for (const m of COMMAND_MODULES) {
    const commands = await m.load();
    const firsts = new Set(
      commands.flatMap((c) => [c.path, ...(c.aliases ?? [])].map((p) => p[0])),
    );
    assert.deepEqual([...m.words].sort(), [...firsts].sort(), commands[0]?.path.join(" "));
  }
});

Deno.test("the full table is every module's commands, in module order", async () => {
  const all = (await Promise.all(COMMAND_MODULES.map((m) => m.load()))).flat();
  assert.deepEqual(
    COMMANDS.commands.map((c) => c.path.join(" ")),
    all.map((c) => c.path.join(" ")),
  );
  assert.ok(COMMANDS.commands.every((c, i) => c === all[i]), "the same objects");
});

Deno.test("without a command word no command module is loaded", async () => {
  assert.equal((await commandsFor(undefined)).commands.length, 0);
  assert.equal((await commandsFor("no-such-word")).commands.length, 0);
});

/** What a parse comes to, comparable across tables. */
async function outcome(parse: () => unknown): Promise<unknown> {
  try {
    const p = await parse() as Record<string, unknown>;
    const spec = p.spec as { path: string[] } | undefined;
    return { ...p, spec: spec?.path.join(" ") };
  } catch (e) {
    return { error: (e as Error).message, hint: (e as { hint?: string }).hint };
  }
}

Deno.test("parsing with the first word's commands alone gives the full table's outcome", async () => {
  const argvs: string[][] = [[], ["--version"], ["-V"], ["--help"], ["help"], ["version"]];
  for (const c of COMMANDS.commands) {
    for (const words of [c.path, ...(c.aliases ?? [])]) {
      argvs.push(
        [...words],
        [...words, "--help"],
        ["--home", "/h", "--no-sync", ...words, "x", "y"],
        ["--home=/h", ...words, "--json"],
        ["--json", ...words],
        ["help", ...words],
        [...words, "--version"],
        [...words.slice(0, -1), `${words.at(-1)}x`],
        [...words, "--no-such-flag"],
      );
    }
  }
  for (const g of COMMANDS.groups) argvs.push([g.name], [g.name, "--help"], [g.name, "nope"]);
  argvs.push(["stauts"], ["--home"], ["--", "status"], ["status", "--", "x"]);
  for (const argv of argvs) {
    const lazy = await outcome(async () => (await parseLazily(argv)).parsed);
    const full = await outcome(() => parseArgv(argv, COMMANDS));
    assert.deepEqual(lazy, full, argv.join(" "));
  }
});

Deno.test("deno walks ten modules before main.ts runs: no command, store or sync code", async () => {
  const r = await runProcess(Deno.execPath(), ["info", "--json", "main.ts"], {
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1" },
  });
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout) as {
    roots: string[];
    modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
  };
  // What deno loads ahead of the run: static imports and literal dynamic
  // ones (code dependencies), not type-only references.
  const by = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  while (todo.length > 0) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of by.get(s)?.dependencies ?? []) if (d.code) todo.push(d.code.specifier);
  }
  const local = [...seen].map((s) => s.slice(s.indexOf(REPO_ROOT) + REPO_ROOT.length + 1));
  assert.ok(local.length <= 12, local.join(" "));
  for (const p of local) {
    assert.ok(!/^src\/(storage|sync|log|files|mesh|transport|crypto)\//.test(p), p);
    assert.ok(!p.startsWith("src/cli/commands/") || p.endsWith("command_modules.ts"), p);
  }
});
