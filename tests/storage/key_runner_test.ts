/**
 * @module key_runner_test
 * The real key-tool runner's deadline, with real processes standing in for a
 * keyring tool stuck on a GUI unlock prompt: the tool is killed (SIGKILL: one
 * that ignores SIGTERM dies too) and the call returns "timed out" at the
 * deadline — also when the tool left a process behind that still holds its
 * output pipe open, which the tool's own death does not close. Ctrl-C (the
 * call's signal) kills it at once and the call throws `sync_interrupted`.
 */

import assert from "node:assert/strict";
import { MycelError } from "../../src/errors.ts";
import { systemKeyRunner } from "../../src/storage/key_runner.ts";

const STUCK_S = 8;
const ENV = { PATH: "/usr/bin:/bin" };

async function tool(body: string): Promise<{ program: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-keytool-" });
  const program = `${dir}/tool`;
  await Deno.writeTextFile(program, `#!/bin/sh\n${body}\n`);
  await Deno.chmod(program, 0o755);
  return { program, dir };
}

async function killPidIn(file: string): Promise<void> {
  const pid = Number((await Deno.readTextFile(file).catch(() => "")).trim());
  if (pid > 0) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* gone already */ }
  }
}

Deno.test("a key tool that ignores SIGTERM is killed at the deadline and the call says it timed out", async () => {
  const { program, dir } = await tool(
    `trap '' TERM\necho $$ > "$(dirname "$0")/pid"\nexec sleep ${STUCK_S}`,
  );
  try {
    const t0 = performance.now();
    const r = await systemKeyRunner.run(program, [], { env: ENV, timeoutMs: 300 });
    const took = performance.now() - t0;
    assert.equal(r.timedOut, true);
    assert.equal(r.code, -1);
    assert.equal(r.missing, false);
    assert.ok(took < STUCK_S * 1000 / 2, `returned after ${Math.round(took)} ms`);
  } finally {
    await killPidIn(`${dir}/pid`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key tool whose leftover child holds its output open still times out at the deadline", async () => {
  // The background sleep inherits stdout and stderr: killing the tool leaves
  // both pipes open until the sleep ends.
  const { program, dir } = await tool(`sleep ${STUCK_S} &\necho $! > "$(dirname "$0")/pid"\nwait`);
  try {
    const t0 = performance.now();
    const r = await systemKeyRunner.run(program, [], { env: ENV, timeoutMs: 300 });
    const took = performance.now() - t0;
    assert.equal(r.timedOut, true);
    assert.equal(r.code, -1);
    assert.ok(took < STUCK_S * 1000 / 2, `returned after ${Math.round(took)} ms`);
  } finally {
    await killPidIn(`${dir}/pid`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key tool that answers and exits while a process it left behind holds its output open gives its answer at once, not a timeout", async () => {
  const { program, dir } = await tool(
    `sleep ${STUCK_S} &\necho $! > "$(dirname "$0")/pid"\necho secret-answer\nexit 0`,
  );
  try {
    const t0 = performance.now();
    const r = await systemKeyRunner.run(program, [], { env: ENV, timeoutMs: 3000 });
    const took = performance.now() - t0;
    assert.deepEqual(r, {
      code: 0,
      stdout: "secret-answer\n",
      stderr: "",
      timedOut: false,
      missing: false,
    });
    assert.ok(took < 1500, `returned after ${Math.round(took)} ms`);
  } finally {
    await killPidIn(`${dir}/pid`);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key tool that answers in time gives its exit code, output and error output", async () => {
  const { program, dir } = await tool(`cat\necho oops >&2\nexit 3`);
  try {
    const r = await systemKeyRunner.run(program, [], {
      env: ENV,
      stdin: "s3cret",
      timeoutMs: 10_000,
    });
    assert.deepEqual(r, {
      code: 3,
      stdout: "s3cret",
      stderr: "oops\n",
      timedOut: false,
      missing: false,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key tool that is not installed is reported missing (127), not thrown", async () => {
  const r = await systemKeyRunner.run("/nonexistent/mycel-key-tool", [], {
    env: ENV,
    timeoutMs: 1000,
  });
  assert.deepEqual(r, { code: 127, stdout: "", stderr: "", timedOut: false, missing: true });
});

Deno.test("Ctrl-C during a key tool kills it at once and the call throws the interruption (exit 130), not a tool result", async () => {
  const { program, dir } = await tool(
    `trap '' TERM\necho $$ > "$(dirname "$0")/pid"\nexec sleep ${STUCK_S}`,
  );
  const ctrlC = new AbortController();
  try {
    const t0 = performance.now();
    setTimeout(() => ctrlC.abort(), 200);
    await assert.rejects(
      systemKeyRunner.run(program, [], { env: ENV, timeoutMs: 20_000, signal: ctrlC.signal }),
      (e: unknown) => {
        assert.ok(e instanceof MycelError);
        assert.equal(e.code, "sync_interrupted");
        assert.equal(e.exit, 130);
        assert.equal(e.message, `Cannot run ${program}: it was interrupted`);
        return true;
      },
    );
    const took = performance.now() - t0;
    assert.ok(took < 2000, `returned ${Math.round(took)} ms after start (deadline 20 s)`);
    // Interrupted before it starts: no tool is run at all.
    await assert.rejects(
      systemKeyRunner.run(`${dir}/never`, [], { env: ENV, timeoutMs: 1000, signal: ctrlC.signal }),
      (e: unknown) => e instanceof MycelError && e.code === "sync_interrupted",
    );
  } finally {
    await killPidIn(`${dir}/pid`);
    await Deno.remove(dir, { recursive: true });
  }
});
