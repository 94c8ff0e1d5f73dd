/**
 * @module socket_test
 * The generated socket units, for real: `mycel service install --dir`
 * writes `mycel-sync@.service`; its ExecStart is read back with systemd's
 * quoting rules and run, unchanged, under `systemd-socket-activate --accept
 * --inetd -l 127.0.0.1:PORT` (what `Accept=yes` + `StandardInput=socket`
 * does: each connection is stdin/stdout of a fresh process) with systemd's
 * minimal environment. A second, peered home runs a real `mycel sync now`
 * against it, twice (each connection gets a fresh process): synced, equal
 * `state_digest`. The activator is killed by its PID.
 */

import assert from "node:assert/strict";
import { describe, type StatusJson, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import { spawnProcess, which } from "../helpers/process.ts";
import { parseExecStart, peer, substituteEnv, systemdCommandLines, unitValue } from "./_helpers.ts";

const ACTIVATE = which("systemd-socket-activate") ??
  (() => {
    try {
      return Deno.statSync("/usr/bin/systemd-socket-activate").isFile
        ? "/usr/bin/systemd-socket-activate"
        : undefined;
    } catch {
      return undefined;
    }
  })();

if (!ACTIVATE) {
  console.log("socket activation test skipped: systemd-socket-activate is not installed");
}

/** systemd's default PATH for services; the only variable the activated mycel gets. */
const SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

interface Outcome {
  name: string;
  status: string;
  sent: number;
  received: number;
}

Deno.test({
  name: "mycel-sync@.service's ExecStart under systemd-socket-activate serves a real sync now",
  ignore: !ACTIVATE,
  async fn() {
    await using served = await tempHome("mycel-socket-served-");
    await using laptop = await tempHome("mycel-socket-laptop-");
    const port = freePort();
    await served.ok(["--no-sync", "init", "--name", "served"]);
    await laptop.ok(["--no-sync", "init", "--name", "laptop"]);
    await served.ok(["--no-sync", "mesh", "set-endpoint", `127.0.0.1:${port}`]);
    await peer(served, laptop);

    // Changes on both sides.
    await served.ok(["--no-sync", "pref", "set", "from", "served"]);
    await served.ok(["--no-sync", "app", "add", "tmux"]);
    await laptop.ok(["--no-sync", "config", "set", "editor.tab_size", "8"]);

    const dir = served.path("units");
    await served.ok([
      "--no-sync",
      "service",
      "install",
      "--dir",
      dir,
      "--no-enable",
      "--port",
      String(port),
    ]);
    const socket = await Deno.readTextFile(`${dir}/mycel-sync.socket`);
    assert.equal(unitValue(socket, "Socket", "ListenStream"), String(port));
    assert.equal(unitValue(socket, "Socket", "Accept"), "yes");
    const template = await Deno.readTextFile(`${dir}/mycel-sync@.service`);
    assert.equal(unitValue(template, "Service", "StandardInput"), "socket");
    assert.equal(unitValue(template, "Service", "StandardOutput"), "socket");
    const execStart = unitValue(template, "Service", "ExecStart");
    // %i/%I: the instance name systemd gives each connection.
    const argv = parseExecStart(execStart, {
      specifiers: { i: "1-127.0.0.1:1-127.0.0.1:2", I: "1-127.0.0.1:1-127.0.0.1:2" },
    });
    assert.ok(argv.includes(served.home), `ExecStart has --home ${served.home}: ${execStart}`);
    assert.deepEqual(argv.slice(argv.indexOf("--home") + 2), [
      "sync",
      "serve",
      "--stdio",
      "--timeout",
      "30",
    ]);
    // Cross-check our reading with systemd's own (the plain service has the same prefix).
    const service = `${dir}/mycel-sync.service`;
    const parsed = await systemdCommandLines(service);
    if (parsed.length === 1) {
      const sys = parsed[0].map((w) => substituteEnv(w));
      const ours = parseExecStart(
        unitValue(await Deno.readTextFile(service), "Service", "ExecStart"),
      );
      assert.deepEqual(sys, ours);
    }

    const activator = spawnProcess(
      ACTIVATE!,
      ["--accept", "--inetd", "-l", `127.0.0.1:${port}`, "-E", `PATH=${SYSTEMD_PATH}`, ...argv],
      { env: { PATH: SYSTEMD_PATH }, clearEnv: true, cwd: "/", timeoutMs: 0 },
    );
    try {
      await activator.waitFor(/Listening on/, { stream: "stderr", timeoutMs: 10_000 });

      const sync = async () => {
        const args = ["sync", "now", "--json", "--timeout", "20"];
        const r = await laptop.run(args);
        assert.equal(r.code, 0, `${describe(args, r)}\n--- activator ---\n${activator.stderr}`);
        const outcomes = JSON.parse(r.stdout) as Outcome[];
        assert.equal(outcomes.length, 1, r.stdout);
        assert.equal(outcomes[0].name, "served");
        assert.equal(outcomes[0].status, "synced", r.stdout);
        return outcomes[0];
      };
      const digests = async () => {
        const [a, b] = await Promise.all([
          served.json<StatusJson>(["--no-sync", "status", "--json"]),
          laptop.json<StatusJson>(["--no-sync", "status", "--json"]),
        ]);
        return [a.state_digest, b.state_digest];
      };

      const first = await sync();
      assert.ok(first.sent >= 1 && first.received >= 2, JSON.stringify(first));
      const [s1, l1] = await digests();
      assert.equal(s1, l1, "state digests equal after the first round");
      const prefs = await laptop.json<Record<string, string>>([
        "--no-sync",
        "pref",
        "list",
        "--json",
      ]);
      assert.equal(prefs.from, "served");
      const cfg = await served.ok(["--no-sync", "config", "get", "editor.tab_size"]);
      assert.equal(cfg.stdout.trim(), "8");

      // A second connection: a fresh activated mycel.
      await served.ok(["--no-sync", "pref", "set", "round", "two"]);
      await laptop.ok(["--no-sync", "pref", "set", "laptop", "two"]);
      const second = await sync();
      assert.deepEqual([second.sent, second.received], [1, 1]);
      const [s2, l2] = await digests();
      assert.equal(s2, l2, "state digests equal after the second round");
      assert.notEqual(s2, s1);
      // Each activated mycel logged its session (stderr is the journal's, here ours).
      await activator.waitFor(/synced with laptop[\s\S]*synced with laptop/, {
        stream: "stderr",
        timeoutMs: 5_000,
      });
    } finally {
      await activator.stop("SIGTERM");
    }
  },
});
