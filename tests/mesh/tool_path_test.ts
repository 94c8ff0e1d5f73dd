/**
 * @module tool_path_test
 * A tool mycel runs (`ip`, `wg`, `wireguard-go`, `secret-tool`…) is looked
 * up in PATH's absolute folders only (src/search_path.ts). An empty entry
 * (`PATH=/usr/bin:`) or a relative one (`.`) made Deno's lookup try the
 * current folder, where a member may have synced an executable file under
 * a tool's name (a synced folder keeps exec bits): `mycel mesh up` run from
 * inside that folder ran it, as root. Real children, a planted executable in
 * a temp folder made the current one.
 */

import assert from "node:assert/strict";
import { systemRunner } from "../../src/mesh/system.ts";
import { systemKeyRunner } from "../../src/storage/key_runner.ts";

const TOOL = "mycel-planted-tool";

/** Run `fn` from a temp folder holding an executable `TOOL` that leaves `ran` when run. */
async function fromPlanted(path: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-planted-" });
  const cwd = Deno.cwd();
  const before = Deno.env.get("PATH");
  await Deno.writeTextFile(`${dir}/${TOOL}`, `#!/bin/sh\ntouch '${dir}/ran'\n`, { mode: 0o755 });
  Deno.env.set("PATH", path);
  Deno.chdir(dir);
  try {
    await fn(dir);
  } finally {
    Deno.chdir(cwd);
    if (before === undefined) Deno.env.delete("PATH");
    else Deno.env.set("PATH", before);
    await Deno.remove(dir, { recursive: true });
  }
}

async function ran(dir: string): Promise<boolean> {
  // A started child may still be starting: give it a moment to leave its mark.
  await new Promise((r) => setTimeout(r, 300));
  return await Deno.stat(`${dir}/ran`).then(() => true, () => false);
}

for (const path of ["/usr/bin:/bin:", "/usr/bin::/bin", ".:/usr/bin:/bin", "bin"]) {
  Deno.test(`a tool is never run from the current folder, whatever PATH says (${JSON.stringify(path)}): the mesh's runs and starts, the key tools'`, async () => {
    await fromPlanted(path, async (dir) => {
      const runner = systemRunner({ env: () => undefined });
      await assert.rejects(runner.run(TOOL, []), (e: Error & { code?: string }) => {
        return e.code === "missing_tool";
      });
      assert.equal(await ran(dir), false, "run: the planted file ran");
      assert.throws(() => runner.start(TOOL, []), (e: Error & { code?: string }) => {
        return e.code === "missing_tool";
      });
      assert.equal(await ran(dir), false, "start: the planted file ran");
      const key = await systemKeyRunner.run(TOOL, [], { env: { PATH: path }, timeoutMs: 5000 });
      assert.equal(key.missing, true, JSON.stringify(key));
      assert.equal(await ran(dir), false, "key tool: the planted file ran");
      // A tool in an absolute folder of the same PATH still runs.
      const r = await runner.run("sh", ["-c", "echo found"]);
      assert.equal(r.stdout, "found\n");
    });
  });
}
