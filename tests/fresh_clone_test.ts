/**
 * @module fresh_clone_test
 * A fresh clone passes on its own: no file in the repository reads outside
 * it (the vectors live in tests/vectors/), and the vector tests run in a
 * clone placed where no sibling `shared` folder (the design material next to
 * a working checkout) is beside it.
 */

import assert from "node:assert/strict";
import { runProcess } from "./helpers/process.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** A relative path up out of the repository into the sibling `shared` folder. */
const SIBLING = /\.\.\/(\.\.\/)*shared\b/;

async function tracked(): Promise<string[]> {
  const out = await runProcess("git", ["ls-files"], { cwd: ROOT });
  assert.equal(out.code, 0, out.stderr);
  return out.stdout.split("\n").filter((f) => /\.(ts|sh|json)$/.test(f));
}

Deno.test("no tracked file reads the sibling shared folder, which a fresh clone does not have", async () => {
  const offenders: string[] = [];
  for (const f of await tracked()) {
    if (f === "tests/fresh_clone_test.ts") continue;
    const text = await Deno.readTextFile(`${ROOT}${f}`);
    if (SIBLING.test(text)) offenders.push(f);
  }
  assert.deepEqual(offenders, []);
});

Deno.test("the Noise and CPace vector tests pass in a clone with nothing beside it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-clone-" });
  try {
    const clone = `${dir}/repo`;
    const c = await runProcess("git", ["clone", "--quiet", "--no-hardlinks", ROOT, clone]);
    assert.equal(c.code, 0, c.stderr);
    // Dependencies come from npm, not from the sibling folder: reuse this checkout's.
    await Deno.symlink(`${ROOT}node_modules`, `${clone}/node_modules`);
    const t = await runProcess(Deno.execPath(), [
      "test",
      "-A",
      "tests/crypto/cpace_test.ts",
      "tests/crypto/noise_vectors_test.ts",
    ], { cwd: clone, env: { NO_COLOR: "1" } });
    assert.equal(t.code, 0, t.stdout + t.stderr);
    assert.match(t.stdout, /ok \| \d+ passed/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
