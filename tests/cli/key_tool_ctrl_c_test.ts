/**
 * @module key_tool_ctrl_c_test
 * Ctrl-C reaches a key tool's deadline: a real `mycel pref set` (and
 * `mycel doctor`, which reads the keys as one of its checks) whose keys
 * are in a Secret Service whose `secret-tool` hangs (a stand-in first on
 * PATH that sleeps, as one waiting for a GUI unlock prompt nobody answers)
 * gets SIGINT, and ends at once with exit 130 and the named interruption,
 * the tool killed by its PID and nothing written. Before, the key tool's
 * 20 s deadline ignored Ctrl-C: main.ts's fallback ended the process 3 s
 * later with no message, leaving the tool running (and doctor took the
 * interruption for a failed keys check and went on).
 */

import assert from "node:assert/strict";
import { homePaths } from "../../src/storage/home.ts";
import { writeKeyStub } from "../../src/storage/key_store.ts";
import { describe, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { pidFromFile } from "../helpers/process.ts";

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT"); // harmless probe: throws once the PID is gone
    return true;
  } catch {
    return false;
  }
}

Deno.test("Ctrl-C while the keyring tool hangs ends the command (a write, doctor) at once with exit 130, the tool killed, nothing written", async () => {
  await using h = await tempHome("mycel-ctrlc-key-");
  const offline = { MYCEL_OFFLINE: "1" };
  await h.ok(["init", "--name", "desk", "--keys", "file"], { env: offline });
  const before = await h.json<StatusJson>(["status", "--json"], { env: offline });
  // The keys now "live" in a Secret Service: the home's key file names the item.
  await writeKeyStub(homePaths(h.home).keys, {
    store: "secret-service",
    device: before.device.id,
    tag: "0123456789abcdef",
  });
  const pidFile = h.path("tool.pid");
  await Deno.mkdir(h.path("bin"));
  await Deno.writeTextFile(
    h.path("bin/secret-tool"),
    `#!/bin/sh\necho $$ > '${pidFile}'\nexec sleep 30\n`,
    { mode: 0o755 },
  );
  const env = {
    ...offline,
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${h.path("no-bus")}`,
    PATH: `${h.path("bin")}:${Deno.env.get("PATH")}`,
  };
  // A command that writes (its entry needs the signing key) and doctor
  // (which read the keys as a check, and took Ctrl-C for a failed check).
  for (const args of [["pref", "set", "theme", "dark"], ["doctor"]]) {
    await Deno.remove(pidFile).catch(() => {});
    let toolPid: number | undefined;
    try {
      await using p = h.spawn(args, { env, timeoutMs: 30_000 });
      toolPid = await pidFromFile(pidFile, p, "secret-tool never ran");
      const t0 = performance.now();
      p.kill("SIGINT");
      const r = await p.result();
      const took = performance.now() - t0;
      assert.equal(r.code, 130, describe(args, r));
      assert.match(r.stderr, /^error: Cannot run secret-tool: it was interrupted$/m, args[0]);
      assert.ok(
        took < 2000,
        `${args[0]} ended ${Math.round(took)} ms after Ctrl-C (fallback: 3 s)`,
      );
      assert.equal(alive(toolPid), false, "the hanging secret-tool is killed, not left behind");
      const after = await h.json<StatusJson>(["status", "--json"], { env: offline });
      assert.equal(after.state_digest, before.state_digest, "nothing was written");
    } finally {
      if (toolPid !== undefined && alive(toolPid)) Deno.kill(toolPid, "SIGKILL");
    }
  }
});
