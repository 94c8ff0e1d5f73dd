/**
 * @module mesh_up_no_wait_test
 * `mesh up --no-wait`, as the unit of `service install --mesh` runs it
 * before each round: while another mycel holds the mesh lock (a user's
 * `sudo mycel mesh up` or `mesh down`), it skips at once with a note naming
 * the holder and exits 0; it no longer holds the round up
 * to 30 s and then fails. A real process holds the lock the whole time, so
 * nothing is created. Needs root (mesh up refuses without).
 */

import assert from "node:assert/strict";
import { tempHome } from "../helpers/mycel.ts";
import { spawnProcess } from "../helpers/process.ts";

const MODULE = new URL("../../src/storage/mesh_lock.ts", import.meta.url).href;
const ROOT = Deno.uid() === 0;
if (!ROOT) console.log("mesh up --no-wait test skipped: mesh up needs root");

Deno.test({
  name: "mesh up --no-wait skips at once, exit 0, while another mycel changes the interface",
  ignore: !ROOT,
  async fn() {
    await using h = await tempHome("mycel-nowait-");
    await h.ok(["init", "--name", "box"], { env: { MYCEL_OFFLINE: "1" } });
    const code = `const { holdMeshLock } = await import(${JSON.stringify(MODULE)});
await holdMeshLock(${JSON.stringify(h.home)}, "bring the mesh up");
console.log("held");
setInterval(() => {}, 60_000);`;
    await using holder = spawnProcess(Deno.execPath(), ["eval", code], { timeoutMs: 60_000 });
    await holder.waitFor(/^held$/m, { stream: "stdout" });
    const t0 = Date.now();
    // Before: an unknown flag; plain `mesh up` waits 30 s here, then fails (mesh_busy).
    const r = await h.run(["--no-sync", "mesh", "up", "--no-wait", "--json"]);
    const ms = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(ms < 10_000, `skipped at once, not after the 30 s wait (${ms} ms)`);
    const why = `another mycel is changing the interface (pid ${holder.pid})`;
    assert.match(
      r.stderr,
      new RegExp(`^note: mesh up skipped: ${why.replace(/[()]/g, "\\$&")}$`, "m"),
    );
    assert.deepEqual(JSON.parse(r.stdout), { skipped: why });
  },
});
