/**
 * @module system_test
 * What the tools mycel runs get: a scrubbed environment (PATH, LANG, LC_*
 * and what a call adds — never MYCEL_PASSPHRASE or any MYCEL_* variable),
 * checked on real children: `env` run through the runner, and a started
 * process's /proc/PID/environ. Interface names, arguments, added variables
 * and unit/cron paths with control characters are refused with a named
 * error before anything runs.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { childEnvironment } from "../../src/mesh/child_env.ts";
import { checkIfname } from "../../src/mesh/ifname.ts";
import { systemRunner } from "../../src/mesh/system.ts";
import { renderCron, renderUnits } from "../../src/service/units.ts";

const SECRET = "correct horse battery staple";

async function withSecretEnv(fn: () => Promise<void>): Promise<void> {
  Deno.env.set("MYCEL_PASSPHRASE", SECRET);
  Deno.env.set("MYCEL_HOME", "/somewhere");
  Deno.env.set("LC_TIME", "C.UTF-8");
  try {
    await fn();
  } finally {
    Deno.env.delete("MYCEL_PASSPHRASE");
    Deno.env.delete("MYCEL_HOME");
    Deno.env.delete("LC_TIME");
  }
}

Deno.test("a command run through the runner sees no MYCEL_* variable, only what it needs", async () => {
  await withSecretEnv(async () => {
    const r = await systemRunner().run("env", []);
    assert.equal(r.code, 0, r.stderr);
    const names = r.stdout.trim().split("\n").map((l) => l.split("=")[0]).sort();
    assert.ok(!r.stdout.includes(SECRET), "the passphrase reached the child");
    assert.ok(!names.some((n) => n.startsWith("MYCEL_")), names.join(" "));
    assert.ok(names.includes("PATH") && names.includes("LC_TIME"), names.join(" "));
    assert.ok(names.every((n) => /^(PATH|LANG|LC_[A-Z_]+|TZ)$/.test(n)), names.join(" "));
  });
});

Deno.test(
  "a started process's /proc/PID/environ lacks the passphrase but has what the call added",
  {
    ignore: Deno.build.os !== "linux",
  },
  async () => {
    await withSecretEnv(async () => {
      const pid = systemRunner().start("sleep", ["30"], {
        LOG_LEVEL: "error",
        WG_PROCESS_FOREGROUND: "1",
      });
      try {
        // Until the child has exec'd `sleep`, /proc shows the environment it was forked with.
        for (let i = 0; i < 500; i++) {
          const cmd = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
          if (cmd.split("\0")[0].endsWith("sleep")) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        const environ = (await Deno.readTextFile(`/proc/${pid}/environ`)).split("\0").filter(
          Boolean,
        );
        assert.ok(
          !environ.some((v) => v.includes(SECRET) || v.startsWith("MYCEL_")),
          environ.join(" "),
        );
        assert.ok(
          environ.includes("LOG_LEVEL=error") && environ.includes("WG_PROCESS_FOREGROUND=1"),
        );
        assert.ok(environ.some((v) => v.startsWith("PATH=")));
      } finally {
        Deno.kill(pid, "SIGKILL");
      }
    });
  },
);

Deno.test("systemctl and crontab also get the session variables they need, nothing more", () => {
  const parent = {
    PATH: "/bin",
    HOME: "/home/ann",
    XDG_RUNTIME_DIR: "/run/user/1000",
    DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus",
    MYCEL_PASSPHRASE: SECRET,
    AWS_SECRET_ACCESS_KEY: "x",
  };
  assert.deepEqual(Object.keys(childEnvironment(parent, "systemctl")).sort(), [
    "DBUS_SESSION_BUS_ADDRESS",
    "HOME",
    "PATH",
    "XDG_RUNTIME_DIR",
  ]);
  assert.deepEqual(Object.keys(childEnvironment(parent, "/usr/bin/wg")), ["PATH"]);
  assert.throws(
    () => childEnvironment(parent, "wireguard-go", { MYCEL_X: "1" }),
    (e) => isMycelError(e, "bad_input"),
  );
});

Deno.test("control characters are refused by name before anything runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = `${dir}/made\nby-injection`;
    await assert.rejects(
      systemRunner().run("touch", [target]),
      (e) => isMycelError(e, "control_char"),
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the command ran");
    assert.throws(
      () => systemRunner().start("sleep", ["1\r"]),
      (e) => isMycelError(e, "control_char"),
    );
    assert.throws(
      () => systemRunner().start("sleep", ["1"], { WG_X: "a\nb" }),
      (e) => isMycelError(e, "control_char"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  for (const name of ["myc\n0", "wg\u0085", "a\tb", "\u007f"]) {
    assert.throws(() => checkIfname(name), (e) => {
      assert.ok(isMycelError(e, "control_char"), String(e));
      assert.ok(!e.message.includes("\n"), "the message carries the raw control character");
      return true;
    });
  }
  assert.throws(() => checkIfname("has space"), (e) => isMycelError(e, "bad_input"));
  const spec = { exec: ["/usr/bin/mycel"], home: "/home/ann/x", intervalSeconds: 30, port: 7850 };
  for (const bad of [{ home: "/home/ann\nExecStartPre=/bin/sh" }, { exec: ["/usr/bin/my\rcel"] }]) {
    assert.throws(() => renderUnits({ ...spec, ...bad }), (e) => isMycelError(e, "control_char"));
    assert.throws(
      () => renderCron({ ...spec, ...bad }, "/tmp/lock"),
      (e) => isMycelError(e, "control_char"),
    );
  }
  assert.throws(
    () => renderCron(spec, "/tmp/lock\n* * * * * evil"),
    (e) => isMycelError(e, "control_char"),
  );
});
