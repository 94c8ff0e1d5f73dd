/**
 * @module man_test
 * The man page (src/cli/man.ts): `docs/mycel.1` equals what the command
 * table generates now (run `deno task completions` after changing a command)
 * and what `mycel man` prints; groff renders it without a single warning
 * (`-ww`), and the rendered page names every command, argument, flag, exit
 * code and environment variable. Without groff that part is skipped with a
 * printed reason (scripts/install_test_deps.sh installs groff-base).
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/commands/table.ts";
import { GLOBAL_FLAGS, usageLine } from "../../src/cli/command.ts";
import { EXIT_CODE_MEANINGS } from "../../src/cli/help.ts";
import { manPage, roffText } from "../../src/cli/man.ts";
import { mycel, REPO_ROOT } from "../helpers/mycel.ts";
import { runProcess, which } from "../helpers/process.ts";

const FILE = `${REPO_ROOT}/docs/mycel.1`;
const GROFF = which("groff");
if (!GROFF) console.log("man page rendering tests skipped: groff is not installed");

Deno.test("docs/mycel.1 is up to date with the command table, and mycel man prints it", async () => {
  const want = manPage(COMMANDS);
  assert.ok(
    (await Deno.readTextFile(FILE)) === want,
    "docs/mycel.1 is out of date with src/cli/commands/table.ts: run `deno task completions`",
  );
  const r = await mycel(["man"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, want);
});

Deno.test("roffText escapes what roff would read as requests, escapes or bytes", () => {
  assert.equal(roffText(".hidden"), "\\&.hidden");
  assert.equal(roffText("'quote"), "\\&'quote");
  assert.equal(roffText("a.b 'c'"), "a.b 'c'");
  assert.equal(roffText("back\\slash \\fB"), "back\\eslash \\efB");
  assert.equal(roffText("1–65535 …"), "1\\[u2013]65535 \\[u2026]");
  assert.equal(roffText("🍄"), "\\[u1F344]");
});

async function render(path: string): Promise<{ code: number; text: string; warnings: string }> {
  const r = await runProcess(GROFF!, ["-man", "-Tutf8", "-ww", "-P-cbou", path], {
    env: { LC_ALL: "C.UTF-8", MANWIDTH: "80" },
  });
  return { code: r.code, text: r.stdout, warnings: r.stderr };
}

Deno.test({
  name: "groff renders the man page without warnings, naming every command, flag and code",
  ignore: !GROFF,
  async fn() {
    const { code, text, warnings } = await render(FILE);
    assert.equal(code, 0, warnings);
    assert.equal(warnings, "", "groff -ww has nothing to say");
    const flat = text.replace(/\s+/g, " ");
    for (const c of COMMANDS.commands) {
      assert.ok(flat.includes(usageLine(c)), `the page shows \`${usageLine(c)}\``);
      for (const a of c.args) assert.ok(flat.includes(a.name), `${a.name} of ${c.path}`);
      for (const f of c.flags) assert.ok(flat.includes(`--${f.name}`), `--${f.name} of ${c.path}`);
    }
    for (const f of GLOBAL_FLAGS) assert.ok(flat.includes(`--${f.name}`), `global --${f.name}`);
    for (const [code, meaning] of Object.entries(EXIT_CODE_MEANINGS)) {
      assert.ok(flat.includes(code) && flat.includes(meaning.replace(/\s+/g, " ")), `exit ${code}`);
    }
    for (const v of ["MYCEL_HOME", "MYCEL_OFFLINE", "MYCEL_PASSPHRASE", "NO_COLOR"]) {
      assert.ok(flat.includes(v), v);
    }
    assert.match(text, /^MYCEL\(1\)/);

    const dir = await Deno.makeTempDir({ prefix: "mycel-man-" });
    try {
      // Non-ASCII help text comes out as itself, whatever groff's input encoding.
      const odd = {
        groups: [],
        commands: [{
          path: ["x"],
          summary: "café — ключ, .dot \\back",
          args: [],
          flags: [],
          globals: [],
          exits: [0 as const],
          run: () => Promise.resolve(0),
        }],
      };
      await Deno.writeTextFile(`${dir}/odd.1`, manPage(odd));
      const r = await render(`${dir}/odd.1`);
      assert.equal(r.warnings, "");
      assert.ok(r.text.includes("café — ключ, .dot \\back"), r.text);
      // The check has teeth: a broken request is reported.
      await Deno.writeTextFile(`${dir}/bad.1`, manPage(COMMANDS) + ".XY broken\n\\(zz\n");
      assert.notEqual((await render(`${dir}/bad.1`)).warnings, "");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
