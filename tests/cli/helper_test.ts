/**
 * @module helper_test
 * The process helper other CLI tests rely on: deadlines kill the child by
 * PID, background processes can be watched and stopped, standard input is
 * fed, `MYCEL_*` variables of the test process do not leak into children,
 * and temporary homes are removed.
 */

import assert from "node:assert/strict";
import { childEnv, MAIN_TS, mycel, spawn, tempHome } from "../helpers/mycel.ts";

Deno.test("helper: main.ts path is absolute and exists", async () => {
  assert.ok(MAIN_TS.startsWith("/"));
  assert.ok((await Deno.stat(MAIN_TS)).isFile);
});

Deno.test("helper: a child past its deadline is killed and reported as timed out", async () => {
  await using h = await tempHome();
  // `config import -` waits for standard input, which stays open.
  const p = h.spawn(["config", "import", "-", "--format", "json"], {
    stdin: "piped",
    timeoutMs: 300,
  });
  const r = await p.result();
  assert.equal(r.timedOut, true);
  assert.equal(r.signal, "SIGKILL");
  assert.notEqual(r.code, 0);
});

Deno.test("helper: spawn, wait for output, feed stdin, stop", async () => {
  await using h = await tempHome();
  await using p = h.spawn(["config", "import", "-", "--format", "json"], { stdin: "piped" });
  assert.ok(p.pid > 0);
  assert.equal(p.exited, false);
  const w = p.child.stdin.getWriter();
  await w.write(new TextEncoder().encode('{"a": {"b": 1}}'));
  await w.close();
  const m = await p.waitFor(/imported (\d+) keys?/, { stream: "stdout", timeoutMs: 20_000 });
  assert.equal(m[1], "1");
  const r = await p.result();
  assert.equal(r.code, 0);
  assert.equal(p.kill(), false, "nothing is sent to an exited child");
  assert.deepEqual(await h.json(["config", "list", "--json"]), { "a.b": 1 });
});

Deno.test("helper: waitFor rejects when the child exits without the output", async () => {
  await using h = await tempHome();
  await using p = h.spawn(["status"]);
  await assert.rejects(p.waitFor(/never printed/), /exited before printing/);
});

Deno.test("helper: MYCEL_* variables of the test process do not leak", () => {
  Deno.env.set("MYCEL_OFFLINE", "1");
  try {
    const env = childEnv({ home: "/x", env: { EXTRA: "1", PATH: undefined } });
    assert.equal(env.MYCEL_OFFLINE, undefined);
    assert.equal(env.MYCEL_HOME, "/x");
    assert.equal(env.EXTRA, "1");
    assert.equal(env.NO_COLOR, "1");
    assert.equal("PATH" in env, false);
  } finally {
    Deno.env.delete("MYCEL_OFFLINE");
  }
});

Deno.test("helper: stdin data, cwd and extra env reach the child", async () => {
  await using h = await tempHome();
  await Deno.writeTextFile(h.path("rel.toml"), "x = 1\n");
  const r = await mycel(["config", "import", "rel.toml"], {
    home: h.home,
    cwd: h.dir,
  });
  assert.equal(r.code, 0, r.stderr);
  const viaStdin = await h.run(["config", "import", "-"], { stdin: 'y = "two"\n' });
  assert.equal(viaStdin.code, 0, viaStdin.stderr);
  assert.deepEqual(await h.json(["config", "list", "--json"]), { x: 1, y: "two" });
  // MYCEL_HOME from `env` wins over the TempHome's own.
  const other = h.path("other");
  await h.ok(["pref", "set", "a", "b"], { env: { MYCEL_HOME: other } });
  assert.ok((await Deno.stat(`${other}/mycel.db`)).isFile);
});

Deno.test("helper: a temporary home is removed on dispose, even after an exception", async () => {
  let dir = "";
  await assert.rejects(async () => {
    await using h = await tempHome();
    dir = h.dir;
    await h.ok(["pref", "set", "a", "b"]);
    throw new Error("boom");
  }, /boom/);
  assert.equal(await Deno.stat(dir).then(() => true, () => false), false);
  // And background children are stopped by PID when their scope ends.
  let pid = 0;
  {
    await using h = await tempHome();
    await using p = spawn(["config", "import", "-", "--format", "json"], {
      home: h.home,
      stdin: "piped",
    });
    pid = p.pid;
  }
  assert.ok(pid > 0);
});
