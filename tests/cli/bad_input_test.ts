/**
 * @module bad_input_test
 * Every kind of bad input gets a clear message on standard error starting
 * with `error: Cannot`, a non-zero exit code (2 when the command line itself
 * is wrong), nothing on standard output, and leaves the state untouched
 * (same `state_digest`, same number of log entries).
 */

import assert from "node:assert/strict";
import { describe, type StatusJson, tempHome } from "../helpers/mycel.ts";

interface Case {
  /** What is wrong. */
  name: string;
  /** argv, with `FILE(name)` placeholders resolved by the test. */
  args: string[];
  /** Expected exit code. */
  code: number;
  /** What the message must say besides `error: Cannot`. */
  says: RegExp;
  /** Files to create in the temporary folder first. */
  files?: Record<string, string | Uint8Array>;
  /** Environment of the run. */
  env?: Record<string, string>;
}

const CASES: Case[] = [
  {
    // " laptop" is printable: the message names the rule it broke.
    name: "device name with a space at one end",
    args: ["mesh", "rename", " laptop"],
    code: 2,
    says:
      /Cannot use device name: it starts or ends with a space \(" laptop"\)\nhint: A device name is 1–64 printable characters, no space at either end/,
  },
  {
    // Shown escaped, but it reads "gamma": refused where the name is typed.
    name: "device name with a zero width space",
    args: ["mesh", "rename", "gam\u200bma"],
    code: 2,
    says:
      /Cannot use device name: it holds \\u200b, a character that is invisible or changes how text reads \("gam\\u200bma"\)\nhint: A device name is 1–64 printable characters/,
  },
  {
    name: "app name with a right-to-left override",
    args: ["app", "add", "fire\u202efox"],
    code: 2,
    says: /Cannot use app name: it holds \\u202e, .*\("fire\\u202efox"\)\nhint: An app name is/,
  },
  {
    name: "preference key with a zero width space",
    args: ["pref", "set", "the\u200bme", "dark"],
    code: 2,
    says: /Cannot use preference key: it holds \\u200b, .*\nhint: Give a key such as `theme`/,
  },
  {
    name: "device name too long",
    args: ["mesh", "rename", "x".repeat(65)],
    code: 2,
    says: /Cannot use device name: it has 65 characters, more than 64 \("x{65}"\)/,
  },
  {
    // Said how long it is, what the limit is and what to do instead (no value, no hint before).
    name: "preference value too long",
    args: ["pref", "set", "notes", "v".repeat(65537)],
    code: 2,
    says:
      /Cannot use preference value: it has 65537 characters, more than 65536 \("v{80}"\)\nhint: A preference holds at most 65536 characters; share longer text as a file/,
  },
  {
    name: "unknown command",
    args: ["frobnicate"],
    code: 2,
    says: /unknown command \(frobnicate\)/,
  },
  {
    name: "unknown command close to a real one",
    args: ["stauts"],
    code: 2,
    says: /unknown command \(stauts\)\nhint: Did you mean `mycel status`\?/,
  },
  {
    name: "unknown subcommand",
    args: ["pref", "sett", "a", "b"],
    code: 2,
    says: /unknown subcommand \(sett\)\nhint: Did you mean `mycel pref set`\?/,
  },
  { name: "group without subcommand", args: ["pref"], code: 2, says: /`pref` needs a subcommand/ },
  {
    name: "a verb-first spelling's verb alone",
    args: ["show"],
    code: 2,
    says:
      /`show` needs what to show\nhint: Did you mean `mycel show prefs\|[a-z|]*config[a-z|]*`\?/,
  },
  {
    name: "a verb-first spelling's verb with a noun it does not take",
    args: ["get", "prefs"],
    code: 2,
    says: /unknown command \(get prefs\)\nhint: Did you mean `mycel get pref`\?/,
  },
  {
    name: "unknown flag",
    args: ["pref", "list", "--bogus"],
    code: 2,
    says: /unknown flag \(--bogus\)/,
  },
  { name: "unknown short flag", args: ["status", "-x"], code: 2, says: /unknown flag \(-x\)/ },
  {
    name: "value given to a boolean flag",
    args: ["status", "--json=yes"],
    code: 2,
    says: /--json takes no value/,
  },
  {
    name: "flag missing its value",
    args: ["log", "--limit"],
    code: 2,
    says: /--limit needs a value/,
  },
  {
    name: "missing argument",
    args: ["pref", "set", "theme"],
    code: 2,
    says: /missing argument VALUE/,
  },
  { name: "missing both arguments", args: ["pref", "get"], code: 2, says: /missing argument KEY/ },
  {
    name: "extra argument",
    args: ["pref", "set", "theme", "dark", "extra"],
    code: 2,
    says: /unexpected argument \(extra\)/,
  },
  {
    name: "extra argument to status",
    args: ["status", "now"],
    code: 2,
    says: /unexpected argument/,
  },
  {
    name: "flag value not among the choices",
    args: ["config", "export", "--format", "yaml"],
    code: 2,
    says:
      /--format must be json or toml \(yaml\)\nhint: --format FORMAT: json \(default\) or toml\./,
  },
  {
    name: "malformed JSON pattern",
    args: ["pattern", "add", "{id: greet"],
    code: 2,
    // Ours, once: before, V8's message followed, repeating the value.
    says:
      /Cannot add pattern: it is not valid JSON \(a pattern is one JSON object\) \(\{id: greet\)\nhint: Quote it/,
  },
  {
    name: "two names to mesh rename (a device renames only itself)",
    args: ["mesh", "rename", "beta", "newbeta"],
    code: 2,
    says:
      /Cannot run mycel mesh rename: a device renames only itself: NAME is this device's new name \(newbeta\)\nhint: To rename beta, run `mycel mesh rename newbeta` on beta/,
  },
  {
    name: "pattern that is not an object",
    args: ["pattern", "add", "[1,2]"],
    code: 2,
    // The hint is the command's (the check is shared with decoding peers' entries).
    says:
      /Cannot use pattern: it must be a JSON object \(\[1,2\]\)\nhint: A pattern is a JSON object with a text "id"/,
  },
  {
    name: "pattern without id",
    args: ["pattern", "add", '{"text":"hi"}'],
    code: 2,
    says:
      /Cannot use pattern: it has no `id` field \(\{"text":"hi"\}\)\nhint: A pattern is a JSON object with a text "id"/,
  },
  {
    name: "pattern with an empty id",
    args: ["pattern", "add", '{"id":""}'],
    code: 2,
    says: /Cannot use pattern id: it is empty/,
  },
  {
    name: "pattern with a number for its id",
    args: ["pattern", "add", '{"id":5}'],
    code: 2,
    says: /Cannot use pattern id: it must be text \(5\)\nhint: A pattern is a JSON object/,
  },
  {
    name: "a folder given to config import",
    args: ["config", "import", "/"],
    code: 2,
    says: /Cannot import config: it is a folder, not a file \(\/\)/,
  },
  {
    name: "config import giving one key twice",
    args: ["config", "import", "FILE(twice.json)"],
    files: { "twice.json": '{"a.b": 1, "a": {"b": 2}}' },
    code: 2,
    says: /Cannot import config: it gives the key a\.b twice/,
  },
  {
    name: "config import giving a key a value and keys under it",
    args: ["config", "import", "FILE(both.json)"],
    files: { "both.json": '{"a": 1, "a-x": 3, "a.b": 2}' },
    code: 2,
    says: /Cannot import config: it gives a both a value and keys under it \(a\.b\)/,
  },
  {
    name: "malformed JSON file for config import",
    args: ["config", "import", "FILE(bad.json)"],
    files: { "bad.json": '{"a": 1,' },
    code: 2,
    says: /Cannot import config: it is not valid JSON.*\(.*bad\.json\)/,
  },
  {
    name: "malformed TOML file for config import",
    args: ["config", "import", "FILE(bad.toml)"],
    files: { "bad.toml": "[editor\nfont = 12\n" },
    code: 2,
    says: /Cannot import config: it is not valid TOML at line 1, column \d+ \(.*bad\.toml\)/,
  },
  {
    name: "TOML file with a bad key",
    args: ["config", "import", "FILE(keys.toml)"],
    files: { "keys.toml": '"a b" = 1\n' },
    code: 2,
    says: /Cannot use config key: it holds a space \("a b"\)\nhint: A config key is/,
  },
  {
    name: "JSON file whose top level is not an object",
    args: ["config", "import", "FILE(list.json)"],
    files: { "list.json": "[1, 2]" },
    code: 2,
    says: /the top level must be an object\/table/,
  },
  {
    name: "config file that does not exist",
    args: ["config", "import", "FILE(missing.toml)"],
    code: 2,
    says:
      /Cannot import config: no such file \(.*missing\.toml\)\nhint: Check the path \(a relative one starts from the current folder\), or give -/,
  },
  {
    name: "keys export to an empty file name",
    args: ["keys", "export", ""],
    code: 2,
    says: /Cannot export device keys: the file name is empty/,
  },
  {
    name: "keys export to a folder",
    args: ["keys", "export", "FILE()"],
    code: 2,
    says: /Cannot export device keys: it is a folder, not a file/,
  },
  {
    name: "keys export into a folder that does not exist",
    args: ["keys", "export", "FILE(nowhere/keys.mycelkeys)"],
    env: { MYCEL_PASSPHRASE: "a passphrase" },
    code: 2,
    says: /Cannot export device keys: its folder does not exist \(.*nowhere\/keys\.mycelkeys\)/,
  },
  {
    // Checked before the passphrase is asked (typed twice on a terminal, then refused).
    name: "keys export into a folder that does not exist, no passphrase given yet",
    args: ["keys", "export", "FILE(nowhere/keys.mycelkeys)"],
    code: 2,
    says: /Cannot export device keys: its folder does not exist \(.*nowhere\/keys\.mycelkeys\)/,
  },
  {
    name: "keys import of a folder",
    args: ["keys", "import", "FILE()"],
    code: 2,
    says: /Cannot read exported keys: it is a folder, not a file/,
  },
  {
    name: "config file that sets no keys",
    args: ["config", "import", "FILE(empty.toml)"],
    files: { "empty.toml": "# nothing here\n" },
    code: 2,
    says: /Cannot import config: it sets no keys/,
  },
  {
    name: "config file that is not UTF-8",
    args: ["config", "import", "FILE(latin1.toml)"],
    files: { "latin1.toml": new Uint8Array([0x61, 0x20, 0x3d, 0x20, 0x22, 0xe9, 0x22, 0x0a]) },
    code: 2,
    says: /Cannot import config: .*\(.*latin1\.toml\)/,
  },
  {
    name: "config file that is a folder",
    args: ["config", "import", "FILE(.)"],
    code: 2,
    says: /Cannot import config: /,
  },
  {
    name: "empty preference key",
    args: ["pref", "set", "", "v"],
    code: 2,
    says: /Cannot use preference key: it is empty \(""\)\nhint: Give a key such as `theme`/,
  },
  {
    // An empty key is not a key: get is pointed at the keys there are, not at set's example.
    name: "empty preference key to get",
    args: ["pref", "get", ""],
    code: 2,
    says:
      /Cannot use preference key: it is empty \(""\)\nhint: Give one of the keys `mycel pref list` shows\./,
  },
  {
    name: "empty config key to unset",
    args: ["config", "unset", ""],
    code: 2,
    says:
      /Cannot use config key: it is empty \(""\)\nhint: Give one of the keys `mycel config list` shows\./,
  },
  {
    name: "empty config key",
    args: ["config", "set", "", "1"],
    code: 2,
    says: /Cannot use config key: it is empty \(""\)\nhint: A config key is letters, digits/,
  },
  {
    name: "preference key with a control character",
    args: ["pref", "set", "a\tb", "v"],
    code: 2,
    says: /Cannot use preference key: it contains a control character \("a\\tb"\)/,
  },
  {
    name: "preference key with an escape sequence",
    args: ["pref", "set", "x\u001b[31m", "v"],
    code: 2,
    // Escaped as output shows it everywhere (`\x1b`), not JSON's `\u001b`.
    says: /it contains a control character \("x\\x1b\[31m"\)\nhint:/,
  },
  {
    name: "device name with an escape character",
    args: ["mesh", "rename", "a\u001bb"],
    code: 2,
    says: /Cannot use device name: it holds a control character \("a\\x1bb"\)\nhint:/,
  },
  {
    // The quotes and backslashes typed are told from the escapes added.
    name: "preference key with a quote, a typed backslash-x and a tab",
    args: ["pref", "set", 'a"\\x1b\tb', "v"],
    code: 2,
    says: /it contains a control character \("a\\"\\\\x1b\\tb"\)/,
  },
  {
    name: "config key with a newline",
    args: ["config", "set", "a\nb", "1"],
    code: 2,
    says: /Cannot use config key: it contains a control character/,
  },
  {
    name: "config key with an empty segment",
    args: ["config", "set", "a..b", "1"],
    code: 2,
    // Before: the rule was the reason ("use letters, digits, …"), and no hint.
    says:
      /Cannot use config key: a part between its dots is empty \(a dot at either end, or two in a row\) \("a\.\.b"\)\nhint: A config key is letters, digits, `_` or `-`, in parts joined by dots: mycel config set editor\.tab_size 4/,
  },
  {
    name: "config key with a space",
    args: ["config", "set", "tab size", "1"],
    code: 2,
    says: /Cannot use config key: it holds a space \("tab size"\)\nhint: A config key is/,
  },
  {
    name: "config key with a slash, in a file",
    args: ["config", "import", "FILE(slash.json)"],
    files: { "slash.json": '{"editor/tab": 4}' },
    code: 2,
    says: /Cannot use config key: it holds "\/" \("editor\/tab"\)\nhint: A config key is/,
  },
  {
    name: "empty app name",
    args: ["app", "add", ""],
    code: 2,
    says: /Cannot use app name: it is empty \(""\)\nhint: An app name is text of up to 256/,
  },
  {
    name: "config value of valid JSON nested 33 levels (before: stored as text, said not to parse)",
    args: ["config", "set", "deep", "[".repeat(33) + "]".repeat(33)],
    code: 2,
    says: /Cannot set value: it is valid JSON nested deeper than 32 levels/,
  },
  {
    name: "config value of an integer past 2^53 (before: stored rounded)",
    args: ["config", "set", "big", "12345678901234567890"],
    code: 2,
    says:
      /Cannot set value: it holds a number that can't be kept exactly \(12345678901234567890\)\nhint: Give it as text with --string/,
  },
  {
    name:
      "config value of a decimal with more digits than a number keeps, nested (before: stored rounded)",
    args: ["config", "set", "big", '{"a":[12345678901234567890.5]}'],
    code: 2,
    says:
      /Cannot set value: it holds a number that can't be kept exactly \(12345678901234567890\.5\)/,
  },
  {
    name: "config value past the largest number (before: called too deep)",
    args: ["config", "set", "big", "1e400"],
    code: 2,
    says: /Cannot set value: it holds a number that can't be kept exactly \(1e400\)/,
  },
  {
    name: "config value with a __proto__ key (before: called too deep)",
    args: ["config", "set", "obj", '{"__proto__":1}'],
    code: 2,
    says: /Cannot set value: it has a key named __proto__ .*\nhint: Rename that key/,
  },
  {
    name: "app name with a control character",
    args: ["app", "add", "fire\u0007fox"],
    code: 2,
    says: /Cannot use app name: it contains a control character/,
  },
  {
    name: "--limit 0",
    args: ["log", "--limit", "0"],
    code: 2,
    says: /--limit must be a positive whole number \(0\)\nhint: Give how many entries to show/,
  },
  { name: "--limit -3", args: ["log", "--limit", "-3"], code: 2, says: /\(-3\)/ },
  { name: "--limit abc", args: ["log", "--limit", "abc"], code: 2, says: /\(abc\)/ },
  { name: "--limit 1.5", args: ["log", "--limit=1.5"], code: 2, says: /\(1\.5\)/ },
  {
    name: "--home without a folder",
    args: ["status", "--home"],
    code: 2,
    says: /--home needs a folder\nhint: Give the home's folder/,
  },
  {
    name: "--home ''",
    args: ["--home", "", "status"],
    code: 2,
    says: /--home needs a folder \(''\)\nhint: Give the home's folder .*or leave --home out/,
  },
  {
    name: "--home that is a file",
    args: ["--home", "FILE(plain.txt)", "pref", "set", "a", "b"],
    code: 2,
    says: /Cannot use home folder: it is not a folder \(.*plain\.txt\)\nhint: /,
    files: { "plain.txt": "x" },
  },
  {
    name: "--home inside a file",
    args: ["status", "--home", "FILE(plain.txt)/home"],
    code: 2,
    says: /Cannot use home folder: it is not a folder/,
    files: { "plain.txt": "x" },
  },
  {
    name: "help for a command that does not exist",
    args: ["help", "frobnicate"],
    code: 2,
    says: /Cannot show help: no such command \(frobnicate\)/,
  },
  {
    name: "unset of a key that is not set",
    args: ["pref", "unset", "never-set"],
    code: 2,
    says: /Cannot unset preference: no such key \(never-set\)/,
  },
  {
    name: "get of a key that is not set",
    args: ["config", "get", "never.set"],
    code: 2,
    says: /Cannot get config key: no such key \(never\.set\)/,
  },
  {
    // The message said "between 0 and 86400" and refused 0.
    name: "a --timeout of 0 seconds",
    args: ["sync", "now", "--timeout", "0"],
    code: 2,
    says: /Cannot use --timeout: it must be more than 0 and at most 86400 seconds \(0\)\nhint: /,
  },
  {
    // The choices, as a person lists them, and what the flag is for.
    name: "init with a key store mycel does not know",
    args: ["init", "--keys", "bogus"],
    code: 2,
    says:
      /--keys must be auto, secret-service, keychain or file \(bogus\)\nhint: --keys STORE: where to keep the private keys/,
  },
  {
    name: "init with a device name that is blank",
    args: ["init", "--name", " "],
    code: 2,
    says: /Cannot use device name/,
  },
  {
    // An address of no interface here (TEST-NET-3). Before: the OS's words,
    // "Cannot assign requested address (os error 99)", exit 1, no hint.
    name: "sync serve on an address this machine does not have",
    args: ["sync", "serve", "--listen", "203.0.113.77:7850"],
    code: 2,
    says:
      /Cannot listen for peers: this machine has no such address \(203\.0\.113\.77:7850\)\nhint: Give an address of this machine/,
  },
  {
    name: "pair waiting on an address this machine does not have",
    args: ["pair", "--listen", "203.0.113.77:7853"],
    code: 2,
    says: /this machine has no such address \(203\.0\.113\.77:7853\)\nhint: /,
  },
];

Deno.test("bad input: a clear error, a non-zero exit (2 for usage) and an unchanged state", async (t) => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "box"]);
  await h.ok(["pref", "set", "theme", "dark"]);
  await h.ok(["config", "set", "editor.size", "12"]);
  await h.ok(["pattern", "add", '{"id":"greet","text":"hi"}']);
  const before = await h.json<StatusJson>(["status", "--json"]);
  const prefsBefore = await h.json(["pref", "list", "--json"]);
  for (const c of CASES) {
    await t.step(c.name, async () => {
      for (const [name, data] of Object.entries(c.files ?? {})) {
        if (typeof data === "string") await h.writeFile(name, data);
        else await Deno.writeFile(h.path(name), data);
      }
      const args = c.args.map((a) => a.replace(/^FILE\(([^)]*)\)/, (_, n) => h.path(n)));
      const r = await h.run(args, { env: c.env });
      const what = describe(args, r);
      assert.equal(r.code, c.code, what);
      assert.match(r.stderr, /^error: Cannot /, what);
      assert.match(r.stderr, c.says, what);
      assert.equal(r.stdout, "", what);
      // No stack traces or internal errors leak out.
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, what);
      const after = await h.json<StatusJson>(["status", "--json"]);
      assert.equal(after.state_digest, before.state_digest, `state changed by: ${what}`);
      assert.deepEqual(after.log, before.log, `log changed by: ${what}`);
    });
  }
  assert.deepEqual(await h.json(["pref", "list", "--json"]), prefsBefore);
});

Deno.test("bad input on a home that does not exist yet creates no home", async () => {
  await using h = await tempHome();
  for (
    const args of [
      ["pref", "set", "", "v"],
      ["pattern", "add", "{"],
      ["config", "import", h.path("missing.json")],
      ["frobnicate"],
    ]
  ) {
    const r = await h.run(args);
    assert.notEqual(r.code, 0, describe(args, r));
    assert.match(r.stderr, /^error: Cannot /, describe(args, r));
    assert.equal(await Deno.stat(h.home).then(() => true, () => false), false, describe(args, r));
  }
  const r = await h.run(["status"]);
  assert.equal(r.code, 1, describe(["status"], r));
  assert.match(r.stderr, /^error: Cannot open mycel home: it has not been set up/);
  assert.match(r.stderr, /\nhint: Run `mycel init` first/);
});
