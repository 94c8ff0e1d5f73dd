/**
 * @module basics_test
 * The CLI's everyday behaviour, checked through real `mycel` processes:
 * `status --json` and `pref list --json` shapes, `--version`, the original
 * sketch's spellings, config import/export and pattern removal (help for
 * every command: help_test.ts).
 */

import assert from "node:assert/strict";
import { describe, mycel, type StatusJson, tempHome } from "../helpers/mycel.ts";

const DEVICE_ID = /^[A-Z2-7]{7}(-[A-Z2-7]{7}){7}$/;

Deno.test("status --json after init has device id and name, mesh id, state_digest and peers", async () => {
  await using h = await tempHome();
  const init = await h.ok(["init", "--name", "laptop"]);
  assert.match(init.stdout, /Initialised /);
  const st = await h.json<StatusJson>(["status", "--json"]);
  assert.match(st.device.id, DEVICE_ID);
  assert.equal(st.device.name, "laptop");
  assert.equal(typeof st.mesh.id, "string");
  assert.ok(st.mesh.id.length > 0);
  assert.match(st.state_digest, /^[0-9a-f]{64}$/);
  assert.ok(Array.isArray(st.peers));
  assert.equal(st.peers.length, 0);
  assert.equal(st.mesh.devices, 1);
  assert.equal(st.home, h.home);
  // init --json reports the same identity.
  await using other = await tempHome();
  const r = await other.json<{ device: { id: string; name: string }; mesh: { id: string } }>(
    ["init", "--name", "desk", "--json"],
  );
  assert.equal(r.device.name, "desk");
  const st2 = await other.json<StatusJson>(["status", "--json"]);
  assert.equal(st2.device.id, r.device.id);
  assert.equal(st2.mesh.id, r.mesh.id);
  assert.notEqual(st2.device.id, st.device.id);
});

Deno.test("a second init on the same home fails and keeps the identity", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "a"]);
  const before = await h.json<StatusJson>(["status", "--json"]);
  const r = await h.run(["init", "--name", "b"]);
  assert.equal(r.code, 1, describe(["init"], r));
  assert.match(r.stderr, /^error: Cannot initialise mycel home: it is already set up/);
  const after = await h.json<StatusJson>(["status", "--json"]);
  assert.deepEqual(after, before);
});

Deno.test("pref list --json is a flat object of key to value", async () => {
  await using h = await tempHome();
  await h.ok(["pref", "set", "theme", "dark"]);
  await h.ok(["pref", "set", "editor.font", "Iosevka 12"]);
  await h.ok(["pref", "set", "empty", ""]);
  await h.ok(["pref", "set", "theme", "light"]);
  const prefs = await h.json<Record<string, unknown>>(["pref", "list", "--json"]);
  assert.deepEqual(prefs, { "editor.font": "Iosevka 12", empty: "", theme: "light" });
  for (const v of Object.values(prefs)) assert.equal(typeof v, "string");
  assert.equal(await h.json(["pref", "get", "theme", "--json"]), "light");
  assert.equal((await h.ok(["pref", "get", "editor.font"])).stdout, "Iosevka 12\n");
  await h.ok(["pref", "unset", "empty"]);
  assert.deepEqual(await h.json(["pref", "list", "--json"]), {
    "editor.font": "Iosevka 12",
    theme: "light",
  });
});

Deno.test("the sketch's spellings work: set preference, show preferences", async () => {
  await using h = await tempHome();
  const set = await h.ok(["set", "preference", "theme", "dark"]);
  assert.equal(set.stdout, "theme = dark\n");
  const show = await h.ok(["show", "preferences"]);
  assert.equal(show.stdout, "theme = dark\n");
  assert.deepEqual(await h.json(["pref", "list", "--json"]), { theme: "dark" });
});

Deno.test("--version prints package.json's version, as JSON with --json", async () => {
  const pkg = JSON.parse(
    await Deno.readTextFile(new URL("../../package.json", import.meta.url)),
  ) as { version: string };
  for (const args of [["--version"], ["-V"], ["version"]]) {
    const r = await mycel(args);
    assert.equal(r.code, 0, describe(args, r));
    assert.equal(r.stdout, `mycel ${pkg.version}\n`);
    const j = await mycel([...args, "--json"]);
    assert.equal(j.code, 0, describe(args, j));
    assert.deepEqual(JSON.parse(j.stdout), { version: pkg.version }, "before: text");
  }
});

Deno.test("config import of TOML with nested tables sets dotted keys", async () => {
  await using h = await tempHome();
  const file = await h.writeFile(
    "settings.toml",
    [
      'title = "mine"',
      "",
      "[editor]",
      "tab_size = 4",
      "font.size = 12",
      'font.family = "Iosevka"',
      "",
      "[editor.theme]",
      'name = "dark"',
      "contrast = true",
      "",
      "[git]",
      'aliases = ["co", "st"]',
      "",
    ].join("\n"),
  );
  const r = await h.ok(["config", "import", file]);
  assert.equal(r.stdout, `imported 7 keys (7 changed) from ${file}\n`);
  assert.deepEqual(await h.json(["config", "list", "--json"]), {
    "editor.font.family": "Iosevka",
    "editor.font.size": 12,
    "editor.tab_size": 4,
    "editor.theme.contrast": true,
    "editor.theme.name": "dark",
    "git.aliases": ["co", "st"],
    title: "mine",
  });
  assert.equal(await h.json(["config", "get", "editor.font.size", "--json"]), 12);
  // Importing the same file again changes nothing and writes no entry.
  const before = await h.json<StatusJson>(["status", "--json"]);
  const again = await h.ok(["config", "import", file]);
  assert.equal(again.stdout, `imported 7 keys (0 changed) from ${file}\n`);
  const after = await h.json<StatusJson>(["status", "--json"]);
  assert.equal(after.state_digest, before.state_digest);
  assert.equal(after.log.entries, before.log.entries);
});

Deno.test("config export --format toml imports back to the same state", async () => {
  await using a = await tempHome();
  await a.ok([
    "config",
    "import",
    await a.writeFile(
      "in.json",
      JSON.stringify({
        editor: { font: { size: 12, family: "Iosevka" }, wrap: false },
        shell: "fish",
        paths: ["~/bin", "~/.local/bin"],
        nested: { deep: { deeper: { deepest: "x" } } },
        unicode: "ünïcødé ✓",
        number: 1.5,
      }),
    ),
  ]);
  await a.ok(["config", "set", "misc.count", "3"]);
  await a.ok(["config", "set", "misc.text", "123", "--string"]);
  const toml = (await a.ok(["config", "export", "--format", "toml"])).stdout;
  assert.match(toml, /^\[editor\.font\]$/m);
  const json = (await a.ok(["config", "export"])).stdout;
  const expected = await a.json<Record<string, unknown>>(["config", "list", "--json"]);
  assert.equal(expected["misc.text"], "123");
  assert.equal(expected["misc.count"], 3);

  // Into a fresh home: the same config.
  await using b = await tempHome();
  await b.ok(["config", "import", await b.writeFile("out.toml", toml)]);
  assert.deepEqual(await b.json(["config", "list", "--json"]), expected);
  // The JSON export, read from stdin, gives the same too.
  await using c = await tempHome();
  await c.ok(["config", "import", "-", "--format", "json"], { stdin: json });
  assert.deepEqual(await c.json(["config", "list", "--json"]), expected);

  // Back into the same home: nothing changes.
  const before = await a.json<StatusJson>(["status", "--json"]);
  const r = await a.ok(["config", "import", await a.writeFile("back.toml", toml)]);
  assert.match(r.stdout, /\(0 changed\)/);
  assert.equal((await a.json<StatusJson>(["status", "--json"])).state_digest, before.state_digest);
});

Deno.test("config export warns of object values (a file shows them as tables); import notes an empty table", async () => {
  await using a = await tempHome();
  await a.ok(["config", "set", "obj", '{"a":1}']);
  await a.ok(["config", "set", "none", "{}"]);
  await a.ok(["config", "set", "plain.key", "2"]);
  const out = await a.ok(["config", "export"]);
  assert.deepEqual(JSON.parse(out.stdout), { none: {}, obj: { a: 1 }, plain: { key: 2 } });
  assert.match(
    out.stderr,
    /warning: obj holds an object value, which the file shows as a table: `mycel config import` of it sets keys under it \(obj\.a, …\) instead/,
  );
  assert.match(out.stderr, /warning: none holds an object value.*sets nothing for it/);
  assert.doesNotMatch(out.stderr, /plain/);
  // Imported elsewhere: what the warnings said, and the empty table is noted.
  await using b = await tempHome();
  const imp = await b.ok(["config", "import", await b.writeFile("c.json", out.stdout)]);
  assert.match(imp.stderr, /note: none is an empty table: it sets nothing/);
  assert.deepEqual(await b.json(["config", "list", "--json"]), { "obj.a": 1, "plain.key": 2 });
});

Deno.test("config import of more keys than one change holds is refused by name, with a hint, and changes nothing", async () => {
  await using a = await tempHome();
  await a.ok(["config", "set", "kept", "1"]);
  const before = await a.json<StatusJson>(["status", "--json"]);
  // Small values, far below 1 MiB: it is their number that one change can't hold.
  const keys = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]));
  const file = await a.writeFile("many.json", JSON.stringify({ many: keys }));
  const r = await a.run(["config", "import", file]);
  const shown = describe(["config", "import", "many.json"], r);
  assert.equal(r.code, 1, shown);
  // Before: "Cannot read log entry: ops must be a list of 1–10000", and no hint.
  assert.match(
    r.stderr,
    /^error: Cannot write log entry: the change is too large \(10001 changes, limit 10000\)\nhint: One change holds at most 10000 changes .*Nothing was changed\./,
    shown,
  );
  const json = await a.run(["config", "import", file, "--json"]);
  assert.equal(JSON.parse(json.stderr).error.code, "entry_too_large");
  assert.equal((await a.json<StatusJson>(["status", "--json"])).state_digest, before.state_digest);
});

Deno.test("pattern add, list and remove; removing an unknown id exits 2", async () => {
  await using h = await tempHome();
  const add = await h.ok(["pattern", "add", '{"id":"greet","text":"hi"}']);
  assert.equal(add.stdout, "added pattern greet\n");
  await h.ok(["pattern", "add", '{"id":"bye","text":"ciao","n":2}']);
  assert.deepEqual(await h.json(["pattern", "list", "--json"]), [
    { id: "bye", text: "ciao", n: 2 },
    { id: "greet", text: "hi" },
  ]);
  const before = await h.json<StatusJson>(["status", "--json"]);
  const r = await h.run(["pattern", "remove", "nope"]);
  assert.equal(r.code, 2, describe(["pattern", "remove", "nope"], r));
  assert.match(r.stderr, /^error: Cannot remove pattern: no pattern has this id \(nope\)/);
  assert.equal(r.stdout, "");
  assert.equal((await h.json<StatusJson>(["status", "--json"])).state_digest, before.state_digest);
  assert.equal((await h.ok(["pattern", "remove", "greet"])).stdout, "removed pattern greet\n");
  assert.deepEqual(await h.json(["pattern", "list", "--json"]), [{
    id: "bye",
    text: "ciao",
    n: 2,
  }]);
});

Deno.test("pattern add of an id already there says it replaced it (it said 'added')", async () => {
  await using h = await tempHome();
  await h.ok(["pattern", "add", '{"id":"greet","text":"hi"}']);
  const again = await h.ok(["pattern", "add", '{"id":"greet","text":"hello"}']);
  assert.equal(again.stdout, "replaced pattern greet\n");
  const json = await h.json(["pattern", "add", '{"id":"greet","text":"hey"}', "--json"]);
  assert.deepEqual(json, { id: "greet", changed: true, replaced: true });
  const same = await h.json(["pattern", "add", '{"id":"greet","text":"hey"}', "--json"]);
  assert.deepEqual(same, { id: "greet", changed: false, replaced: false });
  const fresh = await h.json(["pattern", "add", '{"id":"bye"}', "--json"]);
  assert.deepEqual(fresh, { id: "bye", changed: true, replaced: false });
  assert.deepEqual(await h.json(["pattern", "list", "--json"]), [
    { id: "bye" },
    { id: "greet", text: "hey" },
  ]);
});

Deno.test("app add records apps once; app list --json is the sorted list", async () => {
  await using h = await tempHome();
  const r = await h.ok(["app", "add", "ripgrep", "fd-find", "ripgrep"]);
  assert.equal(r.stdout, "added ripgrep\nadded fd-find\n");
  const again = await h.ok(["app", "add", "firefox", "fd-find"]);
  assert.equal(again.stdout, "added firefox\nfd-find was already listed\n");
  assert.deepEqual(await h.json(["app", "list", "--json"]), ["fd-find", "firefox", "ripgrep"]);
});

Deno.test("log lists every change newest first; --limit and --json work", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "box"]);
  await h.ok(["pref", "set", "a", "1"]);
  await h.ok(["config", "set", "b.c", "true"]);
  const text = (await h.ok(["log"])).stdout.trimEnd().split("\n");
  assert.equal(text.length, 3);
  assert.match(text[0], /box#3 {2}config b\.c = true$/);
  assert.match(text[1], /box#2 {2}pref a = 1$/);
  assert.match(text[2], /box#1 {2}device add box /);
  const log = await h.json<{ seq: number; ops: { type: string }[] }[]>(
    ["log", "--json", "--limit", "2"],
  );
  assert.deepEqual(log.map((e) => [e.seq, e.ops[0].type]), [[3, "config.set"], [2, "pref.set"]]);
});

Deno.test("log --json cut short by a damaged entry still prints a whole JSON array, and exits 1", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "box"]);
  // More than one read batch (256) before the damaged entry: the first batch prints.
  const { appendBulk } = await import("../sync/_helpers.ts");
  await appendBulk(h.home, 299);
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(`${h.home}/mycel.db`);
  db.prepare("UPDATE entries SET bytes = x'00' WHERE seq = 1").run();
  db.close();
  const args = ["log", "--json"];
  const r = await h.run(args);
  assert.equal(r.code, 1, describe(args, r));
  assert.match(r.stderr, /"code":"bad_entry"/); // --json: the error as JSON on stderr
  const shown = JSON.parse(r.stdout) as { seq: number }[]; // before: "[ {…}, {…}" with no end
  assert.equal(shown.length, 256);
  assert.deepEqual([shown[0].seq, shown.at(-1)!.seq], [300, 45]);
});

Deno.test("--home overrides MYCEL_HOME", async () => {
  await using h = await tempHome();
  const other = h.path("other");
  await h.ok(["--home", other, "pref", "set", "where", "flag"]);
  assert.equal((await h.run(["pref", "list", "--json"])).code, 1); // MYCEL_HOME untouched
  assert.deepEqual(await h.json(["pref", "list", "--json", "--home", other]), { where: "flag" });
});

Deno.test("a home given as a relative path is shown absolute by init, status and doctor", async () => {
  await using h = await tempHome();
  const abs = h.home; // `${h.dir}/home`
  const keys = `file ${abs}/keys.cbor`;
  // --home and MYCEL_HOME, relative to the working folder (before: printed as given, `home`).
  const init = await h.ok(["--home", "home", "init", "--name", "box"], { cwd: h.dir });
  assert.match(init.stdout, new RegExp(`^Initialised ${abs}$`, "m"));
  for (
    const [args, env] of [
      [["--home", "./home/", "status"], {}],
      [["status"], { MYCEL_HOME: "home" }],
    ] as const
  ) {
    const r = await h.ok(args, { cwd: h.dir, env });
    assert.match(r.stdout, new RegExp(`^home {4}${abs}$`, "m"), describe(args, r));
    assert.match(r.stdout, new RegExp(`^keys {4}${keys},`, "m"), describe(args, r));
  }
  const doctor = await h.run(["--home", "home", "doctor"], { cwd: h.dir });
  assert.match(doctor.stdout, new RegExp(`^ ok {3}home {8}${abs} \\(device box\\)$`, "m"));
  assert.match(doctor.stdout, new RegExp(`^ ok {3}keys {8}${keys},`, "m"));
});

Deno.test("a relative home through a symlinked folder and .. is the folder the system opens", async () => {
  await using h = await tempHome();
  // `link/../h` is `elsewhere/h` to the kernel (link -> elsewhere/inner);
  // dropping `link/..` as text would make it another folder, `h` beside link.
  await Deno.mkdir(`${h.dir}/elsewhere/inner`, { recursive: true });
  await Deno.symlink(`${h.dir}/elsewhere/inner`, `${h.dir}/link`);
  await h.ok(["--home", "link/../h", "init", "--name", "box"], { cwd: h.dir });
  assert.ok((await Deno.stat(`${h.dir}/elsewhere/h`)).isDirectory);
  await assert.rejects(Deno.stat(`${h.dir}/h`), Deno.errors.NotFound);
  const r = await h.ok(["status"], { cwd: h.dir, env: { MYCEL_HOME: "link/../h" } });
  assert.match(r.stdout, /^device {2}box /m, describe(["status"], r));
});
