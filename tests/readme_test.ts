/**
 * @module readme_test
 * The README works as written: it opens with exactly two commands (the main
 * job and the test suite), CI runs the same test command, the main job
 * (`deno task demo`) really converges, every `mycel …` line the README
 * shows is a command mycel accepts (its words and flags, by the command
 * table), its exit code table is the one `mycel help` prints, and what it
 * says about a machine not set up yet holds for each command it names.
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../src/cli/commands/table.ts";
import { EXIT_CODE_MEANINGS } from "../src/cli/help.ts";
import { parseArgv } from "../src/cli/parse.ts";
import { describe, tempHome } from "./helpers/mycel.ts";
import { freePort } from "./helpers/net.ts";

const ROOT = new URL("../", import.meta.url);
const README = await Deno.readTextFile(new URL("README.md", ROOT));

/** Code blocks of the README, in order. */
function codeBlocks(text: string): string[] {
  return [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
}

Deno.test("README opens with exactly two commands: the demo and the test suite", async () => {
  const first = codeBlocks(README)[0].trim().split("\n");
  assert.equal(first.length, 2, first.join("\n"));
  assert.equal(first[0], "npm ci && npx deno task demo");
  assert.match(first[1], /&& npm ci && npx deno task test$/);
  const ci = await Deno.readTextFile(new URL(".ci/run", ROOT));
  // CI runs the same install steps and the same test command (as root, so without sudo).
  assert.ok(ci.includes("bash scripts/install_test_deps.sh"), ci);
  assert.ok(ci.includes("npm ci"), ci);
  assert.match(ci.trim(), /\nnpx deno task test$/);
  // No sudo in the README's commands: a root shell on a minimal system has none;
  // the script asks for sudo itself when it is not root.
  assert.ok(first[1].startsWith("bash scripts/install_test_deps.sh"), first[1]);
  assert.ok(!first.some((l) => /\bsudo\b/.test(l)), first.join("\n"));
});

Deno.test("the README's main job (deno task demo) brings three devices to the same state", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("scripts/demo.ts", ROOT).pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
  assert.match(text, /All three devices have the same state\./);
  assert.match(text, /paired with laptop/);
  const digests = [...text.matchAll(/digest ([0-9a-f]{64})/g)].map((m) => m[1]);
  assert.equal(digests.length, 3, text);
  assert.equal(new Set(digests).size, 1, text);
});

Deno.test("every mycel command line in the README is one mycel accepts", () => {
  const lines = codeBlocks(README).flatMap((b) => b.split("\n"))
    .map((l) => l.replace(/^\S*\$ /, "").replace(/#.*$/, "").trim())
    .filter((l) => /^(sudo )?mycel /.test(l));
  assert.ok(lines.length >= 15, `${lines.length} command lines`);
  for (const line of lines) {
    // Shell words: a single-quoted argument may hold spaces.
    const words = [...line.replace(/^sudo /, "").matchAll(/'[^']*'|\S+/g)].slice(1)
      .map((m) => m[0].replace(/^'(.*)'$/, "$1"));
    const parsed = parseArgv(words, COMMANDS);
    if (words[0] === "help") {
      // `mycel help CMD` names a real command.
      assert.ok(parsed.kind === "help" && (parsed.spec || parsed.group), line);
    } else assert.notEqual(parsed.kind, "help", line);
  }
});

Deno.test("the README's exit code table is the one help shows", () => {
  const rows = [...README.matchAll(/^\| (\d+) +\| (.+?) +\|$/gm)].map((m) => [Number(m[1]), m[2]]);
  assert.deepEqual(
    rows,
    Object.entries(EXIT_CODE_MEANINGS).map(([code, meaning]) => [Number(code), meaning]),
  );
});

Deno.test("the README's pairing codes carry the laptop's address from its init line", async () => {
  const { decodePairingCode } = await import("../src/protocol/pairing_code.ts");
  const listen = /mycel init --name laptop --listen ([\d.]+):\d+/.exec(README);
  assert.ok(listen, "no init line with --listen for the laptop");
  const codes = README.match(/MYCEL(?:-[0-9A-Z]{4}){4,}/g) ?? [];
  assert.ok(codes.length >= 2, `only ${codes.length} pairing codes`);
  for (const code of codes) assert.equal(decodePairingCode(code).host, listen[1], code);
});

/** The `mycel …` commands quoted between `from` and the next `to` in the README. */
function quotedCommands(from: string, to: string): string[] {
  const flat = README.replace(/\s+/g, " "); // line breaks fall anywhere in a paragraph
  const start = flat.indexOf(from);
  assert.ok(start >= 0, `the README no longer says: ${from}`);
  const text = flat.slice(start + from.length, flat.indexOf(to, start + from.length));
  return [...text.matchAll(/`mycel ([^`]+)`/g)].map((m) => m[1]);
}

Deno.test("on a machine not set up, the README's writes set it up and the commands it says need one ask for init", async () => {
  await using h = await tempHome("mycel-readme-fresh-");
  await using other = await tempHome("mycel-readme-other-");
  await other.ok(["--no-sync", "init", "--name", "other"]);
  const card = (await other.ok(["mesh", "card"])).stdout.trim();
  await Deno.mkdir(h.path("docs"));
  // Arguments each named command needs to get as far as the home.
  const args: Record<string, string[]> = {
    "pref set": ["theme", "dark"],
    "folder add": [h.path("docs")],
    "mesh add-peer": [card],
    "status": [],
    "log": [],
    "pref get": ["theme"],
    "sync now": [],
    "mesh add-device": ["--listen", `127.0.0.1:${freePort()}`],
    "service install": ["--dir", h.path("units"), "--no-enable"],
  };
  const run = async (command: string) => {
    assert.ok(args[command], `give the test arguments for \`mycel ${command}\``);
    const argv = [...command.split(" "), ...args[command]];
    const env = { XDG_CONFIG_HOME: h.path("config") };
    return { argv, r: await h.run(argv, { env }) };
  };
  const setUp = async () => await Deno.stat(`${h.home}/mycel.db`).then(() => true, () => false);

  const needs = quotedCommands("commands that need a device already set up (", ") stop");
  assert.ok(needs.length >= 5, needs.join(", "));
  for (const command of needs) {
    const { argv, r } = await run(command);
    assert.equal(r.code, 1, describe(argv, r));
    assert.match(r.stderr, /^hint: Run `mycel init` first/m, describe(argv, r));
    assert.equal(await setUp(), false, `${describe(argv, r)}\nset the machine up`);
  }
  const writes = quotedCommands("the first command that changes something (", ")");
  assert.ok(writes.length >= 3, writes.join(", "));
  for (const command of writes) {
    await Deno.remove(h.home, { recursive: true }).catch(() => {});
    const { argv, r } = await run(command);
    assert.equal(r.code, 0, describe(argv, r));
    assert.match(r.stderr, /^Set up a new mesh for this device in /m, describe(argv, r));
    assert.equal(await setUp(), true, describe(argv, r));
  }
});
