/**
 * @module json_and_stdin_test
 * Scripts' side of the CLI, through real processes: under `--json` an error
 * is one JSON object `{"error": {"code", "message", "hint"}}` on standard
 * error (standard output keeps only data), with the error's stable code and
 * the exit code main.ts maps; text from the state inside it is JSON-escaped,
 * bidi controls included. `-` reads a pattern or a card from standard input.
 * `config set` says when a value that looks like JSON was stored as text.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";

interface JsonError {
  error: { code: string; message: string; hint: string | null };
}

function jsonError(stderr: string): JsonError["error"] {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line of JSON: ${stderr}`);
  const parsed = JSON.parse(lines[0]) as JsonError;
  assert.deepEqual(Object.keys(parsed), ["error"]);
  assert.deepEqual(Object.keys(parsed.error), ["code", "message", "hint"]);
  return parsed.error;
}

Deno.test("--json errors: one JSON object on stderr with the stable code; stdout stays empty", async () => {
  await using h = await tempHome();
  const cases: [string[], number, string, RegExp][] = [
    [["status", "--json"], 1, "not_initialized", /^Cannot open mycel home: it has not been set up/],
    [["log", "--json", "--limit", "0"], 2, "usage", /--limit must be a positive whole number/],
    [["status", "--json", "--bogus"], 2, "usage", /unknown flag \(--bogus\)/],
    [["pref", "list", "--json", "--home", h.path("f")], 2, "home_not_folder", /it is not a folder/],
  ];
  await h.writeFile("f", "not a folder");
  for (const [args, code, errorCode, message] of cases) {
    const r = await h.run(args);
    assert.equal(r.code, code, describe(args, r));
    assert.equal(r.stdout, "", describe(args, r));
    const e = jsonError(r.stderr);
    assert.equal(e.code, errorCode, describe(args, r));
    assert.match(e.message, message, describe(args, r));
  }
  // The same errors without --json are text, message then hint.
  const text = await h.run(["status"]);
  assert.match(text.stderr, /^error: Cannot open mycel home: it has not been set up .*\nhint: /);
});

Deno.test("--json before the command words works as after them; a command printing no data refuses it by name", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  await h.ok(["pref", "set", "theme", "dark"]);
  const after = await h.ok(["pref", "list", "--json"]);
  for (const args of [["--json", "pref", "list"], ["pref", "--json", "list"]]) {
    const r = await h.run(args);
    assert.equal(r.code, 0, describe(args, r));
    assert.deepEqual(JSON.parse(r.stdout), JSON.parse(after.stdout), describe(args, r));
  }
  const st = await h.run(["--json", "status"]);
  assert.equal(JSON.parse(st.stdout).device.name, "laptop", describe(["--json", "status"], st));
  // Before, each of these printed the general help and exited 0.
  const unknown = await h.run(["--json", "frob"]);
  assert.equal(unknown.code, 2, describe(["--json", "frob"], unknown));
  assert.equal(jsonError(unknown.stderr).code, "usage");
  const noData = await h.run(["--json", "completion", "bash"]);
  assert.equal(noData.code, 2, describe(["--json", "completion", "bash"], noData));
  assert.match(jsonError(noData.stderr).message, /unknown flag \(--json\)/);
  // After `--`, it is an argument like any other.
  await h.ok(["pref", "set", "flag", "--", "--json"]);
  assert.equal((await h.ok(["pref", "get", "flag"])).stdout.trim(), "--json");
});

Deno.test("an unknown flag before the command is refused (exit 2), never the help with exit 0", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  for (const args of [["--bogus", "status"], ["--no-synk", "sync", "now"], ["--bogus"]]) {
    const r = await h.run(args);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(r.stderr, new RegExp(`unknown flag before the command \\(${args[0]}\\)`));
    assert.match(r.stderr, /hint: Before the command only --home/);
    assert.equal(r.stdout, "", "no help printed");
  }
  // The global flags still go there, and --help still helps.
  assert.match((await h.ok(["--help"])).stdout, /Usage|usage|mycel/);
  await h.ok(["--no-sync", "pref", "set", "a", "1"]);
});

Deno.test("global flags with no command after them are refused (exit 2), never the help with exit 0", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  // `--home status`: the command was taken as the home's folder, and nothing ran.
  const typo = await h.run(["--home", "status"]);
  assert.equal(typo.code, 2, describe(["--home", "status"], typo));
  assert.match(typo.stderr, /^error: Cannot parse flags: no command after the flags\n/);
  assert.match(
    typo.stderr,
    /hint: --home took `status` as its folder: give the folder after --home/,
  );
  assert.equal(typo.stdout, "", "no help printed");
  for (const args of [["--no-sync"], ["--json"], ["--home", h.home]]) {
    const r = await h.run(args);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(r.stderr, /no command after the flags/);
    assert.equal(r.stdout, "", "no help printed");
  }
  // Help and the version still come with them.
  assert.match((await h.ok(["--home", h.home, "--help"])).stdout, /Usage: mycel COMMAND/);
  await h.ok(["--home", h.home, "--version"]);
  await h.ok(["--help"]);
});

Deno.test("--json errors escape text from the state, bidi controls included", async () => {
  await using h = await tempHome();
  await h.ok(["--no-sync", "pref", "set", "k", "v"]);
  const key = "k\u202e\u009bx";
  const r = await h.run(["pref", "get", key, "--json"]);
  assert.equal(r.code, 2, describe(["pref", "get", key], r));
  assert.ok(!/[\u202e\u009b]/.test(r.stderr), `raw bidi/C1 in ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, /\\u202e\\u009bx/);
  const e = jsonError(r.stderr);
  assert.equal(e.code, "no_such_key");
  assert.equal(e.hint, "`mycel pref list` shows the keys.");
  // Stable code and exit code for a usage error in the same form.
  const u = await h.run(["pref", "get", "--json"]);
  assert.equal(u.code, 2);
  assert.equal(jsonError(u.stderr).code, "usage");
});

Deno.test("writes answer in JSON too with --json", async () => {
  await using h = await tempHome();
  assert.deepEqual(await h.json(["--no-sync", "config", "set", "a.b", "[1,2]", "--json"]), {
    key: "a.b",
    value: [1, 2],
  });
  assert.deepEqual(await h.json(["--no-sync", "app", "add", "fd", "rg", "--json"]), {
    added: ["fd", "rg"],
    already: [],
  });
  assert.deepEqual(await h.json(["--no-sync", "app", "add", "fd", "--json"]), {
    added: [],
    already: ["fd"],
  });
  assert.deepEqual(await h.json(["--no-sync", "pref", "unset", "x", "--force", "--json"]), {
    removed: "x",
  });
});

Deno.test("- reads a pattern or a card from standard input", async () => {
  await using h = await tempHome();
  await using other = await tempHome();
  const pattern = '{"id":"greet","text":"Good morning!"}';
  const added = await h.run(["--no-sync", "pattern", "add", "-"], { stdin: `${pattern}\n` });
  assert.equal(added.code, 0, describe(["pattern", "add", "-"], added));
  assert.equal(added.stdout, "added pattern greet\n");
  assert.deepEqual(await h.json(["pattern", "list", "--json"]), [JSON.parse(pattern)]);

  await other.ok(["--no-sync", "init", "--name", "other"]);
  const card = (await other.ok(["mesh", "card"])).stdout;
  const peered = await h.run(["--no-sync", "mesh", "add-peer", "-"], { stdin: card });
  assert.equal(peered.code, 0, describe(["mesh", "add-peer", "-"], peered));
  assert.match(peered.stdout, /^added other \(/m);

  const empty = await h.run(["--no-sync", "pattern", "add", "-"], { stdin: "" });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^error: Cannot read JSON: standard input is empty/);

  // Far more than one value: said with its size and what to check (it had no hint).
  const big = await h.run(["--no-sync", "pattern", "add", "-"], { stdin: "a".repeat(3_000_000) });
  assert.equal(big.code, 2);
  assert.match(
    big.stderr,
    /^error: Cannot read JSON: standard input is too long \(3000000 bytes, at most 1048576\)\nhint: - reads one JSON value of at most 1 MiB: check what is piped in \(`\.\.\. \| mycel pattern add -`\)\.\n$/,
  );
});

Deno.test("config set: a value that starts like JSON but does not parse is stored as text, with a note", async () => {
  await using h = await tempHome();
  for (const broken of ['{"a":', "[1,2", '"unterminated']) {
    const r = await h.run(["--no-sync", "config", "set", "k", broken]);
    assert.equal(r.code, 0, describe(["config", "set", "k", broken], r));
    assert.match(
      r.stderr,
      /note: VALUE starts like JSON but does not parse as JSON; stored as text/,
    );
    assert.equal(await h.json(["config", "get", "k", "--json"]), broken);
  }
  for (const args of [["k", "[1,2]"], ["k", "plain text"], ["k", "{oops", "--string"]]) {
    const r = await h.run(["--no-sync", "config", "set", ...args]);
    assert.equal(r.code, 0);
    assert.doesNotMatch(r.stderr, /note: VALUE/, args.join(" "));
  }
  assert.deepEqual(await h.json(["config", "get", "k", "--json"]), "{oops");
});
