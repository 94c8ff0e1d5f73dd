/**
 * @module self_command_test
 * What units, agents and cron lines run (src/cli/self_command.ts): the
 * installed `mycel` on PATH first (as found, not resolved), else the
 * compiled binary itself, else `deno run -A main.ts` from source. Real
 * files for the PATH look-up: only executable regular files count.
 */

import assert from "node:assert/strict";
import { V8_FLAGS_ARG } from "../../src/runtime_flags.ts";
import {
  installedMycel,
  isExecutableFile,
  selfCommandOf,
  type SelfProbe,
} from "../../src/cli/self_command.ts";

const SOURCE = new URL("file:///src/mycel/main.ts");

function probe(over: Partial<SelfProbe>): SelfProbe {
  return {
    execPath: "/usr/bin/deno",
    mainUrl: SOURCE,
    env: () => undefined,
    isExecutable: () => false,
    ...over,
  };
}

Deno.test("from source without an installed mycel: deno run -A, the binary's V8 flags, main.ts", () => {
  assert.deepEqual(selfCommandOf(probe({})), {
    argv: ["/usr/bin/deno", "run", "-A", V8_FLAGS_ARG, "/src/mycel/main.ts"],
    source: "source",
  });
});

Deno.test("a compiled binary without an installed mycel runs itself", () => {
  const p = probe({ execPath: "/home/ann/dist/mycel-x86_64-unknown-linux-gnu" });
  assert.deepEqual(selfCommandOf(p), {
    argv: ["/home/ann/dist/mycel-x86_64-unknown-linux-gnu"],
    source: "binary",
  });
  // Inside a compiled binary main.ts has a file: URL too (deno's virtual root):
  // the executable's name is what tells it from `deno run`.
  const compiled = probe({
    execPath: "/opt/mycel",
    mainUrl: new URL("file:///tmp/deno-compile-mycel/main.ts"),
  });
  assert.deepEqual(selfCommandOf(compiled).argv, ["/opt/mycel"]);
});

Deno.test("the installed mycel on PATH wins, first match, absolute folders only", async () => {
  const root = await Deno.makeTempDir({ prefix: "mycel-self-" });
  try {
    for (const d of ["a", "b", "c", "rel"]) await Deno.mkdir(`${root}/${d}`);
    await Deno.writeTextFile(`${root}/a/mycel`, "not executable\n"); // mode 0644: skipped
    await Deno.mkdir(`${root}/c/mycel`); // a folder: skipped
    await Deno.writeTextFile(`${root}/b/mycel`, "#!/bin/sh\n");
    await Deno.chmod(`${root}/b/mycel`, 0o755);
    await Deno.symlink(`${root}/b/mycel`, `${root}/rel/mycel`);
    const env = (path: string) => (n: string) => n === "PATH" ? path : undefined;
    const run = (path: string) =>
      selfCommandOf(probe({ env: env(path), isExecutable: isExecutableFile }));
    assert.deepEqual(run(`${root}/a:${root}/c:${root}/b:/usr/bin`), {
      argv: [`${root}/b/mycel`],
      source: "installed",
    });
    // A symlink is kept as found (an upgrade of its target takes effect).
    assert.deepEqual(run(`${root}/rel/:${root}/b`).argv, [`${root}/rel/mycel`]);
    // "" and relative entries depend on the working folder: never used.
    assert.equal(installedMycel({ env: env(`:rel:./b`), isExecutable: () => true }), undefined);
    assert.equal(run(`${root}/a:${root}/c`).source, "source");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
