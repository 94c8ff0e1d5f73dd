/**
 * @module tool_deadline_test
 * The runner every `ip`, `wg`, `systemctl`, `launchctl` and `crontab` call
 * goes through (src/mesh/system.ts) gives each call a deadline and ends it on
 * Ctrl-C, on real children: a stand-in first on PATH that starts a `sleep`
 * and waits fails with `tool_timeout` ("Cannot run systemctl: it did not
 * answer within 0.3s (systemctl …)", a hint) or `sync_interrupted`, and
 * the stand-in and its `sleep` (its process group) are gone, by PID. A
 * secret fed on stdin still reaches the tool and never the error. A tool
 * that answers is unchanged, even when it leaves a child holding its output.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { procAlive } from "../../src/mesh/processes.ts";
import { systemRunner } from "../../src/mesh/system.ts";
import { TOOL_DEADLINE_KNOB, toolDeadline } from "../../src/mesh/tool_deadline.ts";

/** A temp folder whose `bin` is first on PATH while `fn` runs; removed after. */
async function withBin(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-tool-" });
  const path = Deno.env.get("PATH") ?? "";
  await Deno.mkdir(`${dir}/bin`);
  Deno.env.set("PATH", `${dir}/bin:${path}`);
  try {
    await fn(dir);
  } finally {
    Deno.env.set("PATH", path);
    for (const f of ["pid", "child"]) {
      const pid = Number(await Deno.readTextFile(`${dir}/${f}`).catch(() => "0"));
      if (pid > 0 && await procAlive(pid)) Deno.kill(pid, "SIGKILL");
    }
    await Deno.remove(dir, { recursive: true });
  }
}

/** `name` in `dir/bin`: runs `before` (shell), starts `sleep`, writes both PIDs, waits. */
async function hanging(dir: string, name: string, before = ""): Promise<void> {
  await Deno.writeTextFile(
    `${dir}/bin/${name}`,
    `#!/bin/sh\n${before}\nsleep 600 &\necho $! > '${dir}/child'\necho $$ > '${dir}/pid'\nwait\n`,
    { mode: 0o755 },
  );
}

async function pids(dir: string): Promise<number[]> {
  for (let i = 0; i < 400; i++) {
    const text = await Deno.readTextFile(`${dir}/pid`).catch(() => "");
    if (/^\d+\n$/.test(text)) {
      return [Number(text), Number(await Deno.readTextFile(`${dir}/child`))];
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("the stand-in never ran");
}

async function gone(list: number[]): Promise<boolean> {
  for (let i = 0; i < 80; i++) {
    if (!(await Promise.all(list.map(procAlive))).some(Boolean)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

Deno.test("a systemctl that never answers fails by name at its deadline, killed with what it started", async () => {
  await withBin(async (dir) => {
    await hanging(dir, "systemctl");
    const t0 = performance.now();
    const run = systemRunner().run("systemctl", ["--user", "is-active", "mycel-sync.timer"], {
      timeoutMs: 300,
    });
    const started = await pids(dir);
    await assert.rejects(run, (e) => {
      assert.ok(isMycelError(e, "tool_timeout"), String(e));
      assert.equal(
        e.message,
        "Cannot run systemctl: it did not answer within 0.3s (systemctl --user is-active mycel-sync.timer)",
      );
      assert.match(e.hint ?? "", /systemd \(or D-Bus\) did not answer/);
      return true;
    });
    assert.ok(performance.now() - t0 < 2000, `took ${Math.round(performance.now() - t0)} ms`);
    assert.ok(await gone(started), "systemctl and its sleep are killed");
  });
});

Deno.test("Ctrl-C ends a hanging wg at once as an interruption, killed with what it started; after it no tool starts", async () => {
  await withBin(async (dir) => {
    await hanging(dir, "wg");
    const ctrlC = new AbortController();
    const runner = systemRunner({ signal: ctrlC.signal });
    const run = runner.run("wg", ["show", "mycel0", "dump"]); // its own deadline: 10 s
    const started = await pids(dir);
    const t0 = performance.now();
    ctrlC.abort();
    await assert.rejects(run, (e) => {
      assert.ok(isMycelError(e, "sync_interrupted"), String(e));
      assert.equal(e.message, "Cannot run wg: it was interrupted");
      assert.equal(e.exit, 130);
      return true;
    });
    assert.ok(performance.now() - t0 < 1000, `took ${Math.round(performance.now() - t0)} ms`);
    assert.ok(await gone(started), "wg and its sleep are killed");
    await Deno.remove(`${dir}/pid`);
    await assert.rejects(runner.run("wg", ["show"]), (e) => isMycelError(e, "sync_interrupted"));
    assert.equal(await Deno.stat(`${dir}/pid`).catch(() => undefined), undefined, "wg started");
  });
});

Deno.test("a key fed to a hanging wg on stdin reaches it, and is not in argv or the error", async () => {
  const key = "cHJpdmF0ZSBrZXkgZm9yIHRoaXMgdGVzdCBvbmx5ISE=";
  await withBin(async (dir) => {
    await hanging(dir, "wg", `cat > '${dir}/stdin'\necho "$@" > '${dir}/argv'`);
    const run = systemRunner().run("wg", ["syncconf", "mycel0", "/dev/stdin"], {
      stdin: `[Interface]\nPrivateKey = ${key}\n`,
      timeoutMs: 500,
    });
    await assert.rejects(run, (e) => {
      assert.ok(isMycelError(e, "tool_timeout"), String(e));
      assert.ok(!`${e.message} ${e.hint}`.includes(key), "the key is in the error");
      return true;
    });
    assert.match(await Deno.readTextFile(`${dir}/stdin`), new RegExp(`PrivateKey = ${key}`));
    assert.ok(!(await Deno.readTextFile(`${dir}/argv`)).includes(key));
  });
});

Deno.test("a tool that answers in time is unchanged, even one leaving a child that holds its output", async () => {
  const t0 = performance.now();
  const r = await systemRunner().run("sh", ["-c", "sleep 30 & echo $!; exit 3"]);
  const left = Number(r.stdout);
  try {
    assert.equal(r.code, 3);
    assert.match(r.stdout, /^\d+\n$/);
    assert.equal(r.stderr, "");
    assert.ok(performance.now() - t0 < 2000, `took ${Math.round(performance.now() - t0)} ms`);
  } finally {
    if (left > 0 && await procAlive(left)) Deno.kill(left, "SIGKILL"); // the sleep it left
  }
});

Deno.test("each tool has its own deadline (10 s; systemd and launchd 30 s), shortened by the test knob", () => {
  assert.equal(toolDeadline("wg"), 10_000);
  assert.equal(toolDeadline("ip"), 10_000);
  assert.equal(toolDeadline("/usr/bin/systemctl"), 30_000);
  assert.equal(toolDeadline("launchctl"), 30_000);
  assert.equal(toolDeadline("ifconfig"), 10_000);
  assert.equal(TOOL_DEADLINE_KNOB, "MYCEL_TEST_TOOL_DEADLINE_MS");
});
