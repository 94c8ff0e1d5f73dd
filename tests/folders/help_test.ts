/**
 * @module folders_help_test
 * `mycel folder COMMAND --help`, as piped (80 columns), for every folder
 * command and `sync now`: exit 0, nothing on standard error, the usage line,
 * every flag the command takes, every exit code it declares, and each
 * example whole on one line, to paste as it is. Before, the example of
 * `folder move` (89 characters) was wrapped into two lines like prose:
 * pasting the first ran `mycel folder move abcde-fgh23` without its PATH
 * (found by an audit of the folder commands, issue 13). Real processes.
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../../src/cli/commands/table.ts";
import { humanBytes } from "../../src/human.ts";
import { describe, tempHome } from "../helpers/mycel.ts";

Deno.test("folder commands' --help lists every flag and exit code and shows each example whole on one line", async () => {
  await using h = await tempHome();
  const specs = COMMANDS.commands.filter((c) =>
    c.path[0] === "folder" || c.path.join(" ") === "sync now"
  );
  assert.ok(specs.length >= 12, `${specs.length} commands`);
  for (const spec of specs) {
    const args = [...spec.path, "--help"];
    const r = await h.run(args);
    const what = describe(args, r);
    assert.equal(r.code, 0, what);
    assert.equal(r.stderr, "", what);
    const lines = r.stdout.split("\n");
    assert.match(lines[0], new RegExp(`^Usage: mycel ${spec.path.join(" ")}\\b`), what);
    for (const f of spec.flags) assert.match(r.stdout, new RegExp(`--${f.name}\\b`), what);
    const exits = r.stdout.slice(r.stdout.indexOf("\nExit codes:\n"));
    for (const c of spec.exits) assert.match(exits, new RegExp(`\\n  ${c} `), what);
    for (const e of spec.examples ?? []) assert.ok(lines.includes(`  ${e}`), `${e}\n${what}`);
  }
});

Deno.test("sizes the folder commands' --help quotes read as the commands print sizes", async () => {
  // `folder status --help` quoted "(16.0 MiB fetched)", a size mycel never
  // prints (humanBytes: "16 MiB"), and said it came "on its own line" while
  // the status puts it on this device's line.
  await using h = await tempHome();
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  for (const spec of COMMANDS.commands.filter((c) => c.path[0] === "folder")) {
    const args = [...spec.path, "--help"];
    const r = await h.run(args);
    assert.equal(r.code, 0, describe(args, r));
    for (const m of r.stdout.matchAll(/\b(\d+(?:\.\d+)?) (B|KiB|MiB|GiB|TiB)\b/g)) {
      const bytes = Number(m[1]) * 1024 ** units.indexOf(m[2]);
      assert.equal(m[0], humanBytes(bytes), `${args.join(" ")}: "${m[0]}"`);
    }
  }
});
