/**
 * @module tool_run_test
 * src/tool_run.ts: a tool that answered and exited is not "timed out" nor
 * killed when its deadline (or Ctrl-C) lands while its pipes are still read
 * (a process it left behind holds them): by then its PID may be another
 * process's, and what it said is its answer.
 */

import assert from "node:assert/strict";
import { runTool } from "../src/tool_run.ts";

const ENV = { PATH: "/usr/local/bin:/usr/bin:/bin" };

for (const group of [false, true]) {
  Deno.test(`a tool that answered before its deadline passed in the pipes' grace is its answer, not a timeout (group: ${group})`, async () => {
    // Exits at once; the `sleep` it leaves holds stdout open past the deadline.
    const r = await runTool("sh", ["-c", "echo answered; sleep 2 & echo $! >&2; exit 3"], {
      env: ENV,
      timeoutMs: 60,
      group,
    });
    try {
      assert.deepEqual([r.timedOut, r.code, r.stdout], [false, 3, "answered\n"]);
    } finally {
      const left = Number(r.stderr.trim());
      if (Number.isInteger(left) && left > 0) {
        try {
          Deno.kill(left, "SIGKILL"); // what the tool left behind, by its PID
        } catch {
          // gone already
        }
      }
    }
  });
}

Deno.test("a tool still running at its deadline is killed and timed out", async () => {
  const t0 = performance.now();
  const r = await runTool("sleep", ["5"], { env: ENV, timeoutMs: 100 });
  assert.deepEqual([r.timedOut, r.code], [true, -1]);
  assert.ok(performance.now() - t0 < 2000);
});
