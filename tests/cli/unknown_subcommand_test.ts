/**
 * @module unknown_subcommand_test
 * A group's word followed by one it lacks: the hint points where the user
 * meant to go — the nearest subcommand for a typo, the command of its own
 * when the word is one (`mycel mesh status` → `mycel status`, and the
 * group's `list`), else where the group's commands are listed — and
 * `--help` after it is the same usage error (exit 2), never the group's help
 * with exit 0. Run in-process: argv parsing only, no home.
 */

import assert from "node:assert/strict";
import { runMain } from "./_in_process.ts";

async function fails(args: string[]) {
  const r = await runMain(args, { env: { MYCEL_HOME: "/nonexistent/mycel-home" } });
  const shown = `mycel ${args.join(" ")} → ${r.code}\n${r.stdout}---\n${r.stderr}`;
  assert.equal(r.code, 2, shown);
  assert.equal(r.stdout, "", shown);
  return r.stderr;
}

Deno.test("mesh status points at mycel status and mesh list, not at every mesh subcommand", async () => {
  const err = await fails(["mesh", "status"]);
  assert.match(err, /^error: Cannot run command: unknown subcommand \(status\)$/m);
  assert.match(
    err,
    /^hint: Did you mean `mycel status`\? It is a command of its own, not mesh's\. `mycel mesh list`: list every device[^;]*; `mycel mesh --help` lists mesh's commands\.$/m,
  );
  // Before: "Did you mean `mycel mesh add-device|add-peer|…`?"
  assert.doesNotMatch(err, /\|/);
});

Deno.test("--help after a group's unknown subcommand is the same usage error, exit 2", async () => {
  const plain = await fails(["mesh", "status"]);
  // Before: the mesh group's help on standard output, exit 0.
  assert.equal(await fails(["mesh", "status", "--help"]), plain);
  assert.equal(await fails(["--help", "mesh", "status"]), plain);
  assert.match(await fails(["mesh", "frob", "-h"]), /unknown subcommand \(frob\)/);
});

Deno.test("an unknown subcommand's hint: the nearest one, else where the group's commands are listed", async () => {
  assert.match(await fails(["mesh", "lst"]), /^hint: Did you mean `mycel mesh list`\?$/m);
  assert.match(
    await fails(["mesh", "frob"]),
    /^hint: `mycel mesh --help` lists mesh's commands\.$/m,
  );
  assert.match(
    await fails(["folder", "doctor"]),
    /^hint: Did you mean `mycel doctor`\? It is a command of its own, not folder's\. `mycel folder list`: /m,
  );
  const help = await fails(["help", "mesh", "status"]);
  assert.match(help, /^error: Cannot show help: no such command \(mesh status\)$/m);
  assert.match(help, /^hint: Did you mean `mycel help status`\? /m);
  assert.match(
    await fails(["help", "mesh", "lst"]),
    /^hint: Did you mean `mycel help mesh list`\?$/m,
  );
});
