/**
 * @module install_test
 * `mycel service install|status|uninstall` through real processes, with
 * `--dir` (or `--user` under a temporary XDG_CONFIG_HOME) so nothing touches
 * the machine's units, and a fake `crontab` first on PATH so nothing touches
 * the user's crontab. The written units pass `systemd-analyze verify`, and
 * systemd's own parse of their ExecStart lines is the intended argv, even for
 * a home whose path has spaces, quotes and `$`.
 */

import assert from "node:assert/strict";
import {
  describe,
  MAIN_TS,
  type MycelOptions,
  type StatusJson,
  TempHome,
  tempHome,
} from "../helpers/mycel.ts";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { freePort } from "../helpers/net.ts";
import { runProcess } from "../helpers/process.ts";
import { ExitCode } from "../../src/errors.ts";
import {
  fakeBin,
  hasSystemdAnalyze,
  parseExecStart,
  peer,
  substituteEnv,
  systemdCommandLines,
  unitValue,
  verifyUnits,
} from "./_helpers.ts";

const UNITS = [
  "mycel-sync.service",
  "mycel-sync.timer",
  "mycel-sync.socket",
  "mycel-sync@.service",
  "mycel-discovery.socket",
  "mycel-discovery.service",
];
const SYSTEMD_RUNNING = (() => {
  try {
    return Deno.statSync("/run/systemd/system").isDirectory;
  } catch {
    return false;
  }
})();

/** What the units run: this deno, `run -A` and the V8 flags, main.ts, then mycel's argv. */
function mycelArgv(home: string, ...args: string[]): string[] {
  return [Deno.execPath(), ...denoRunArgs(MAIN_TS), "--home", home, ...args];
}

/** A {@link TempHome} inside a temporary root that cleanup removes whole. */
class RootedHome extends TempHome {
  constructor(readonly root: string, dir: string, defaults: MycelOptions) {
    super(dir, defaults);
  }

  override async cleanup(): Promise<void> {
    await Deno.remove(this.root, { recursive: true }).catch(() => {});
  }
}

/**
 * An initialised home (offline) with a fake crontab first on PATH and a
 * private XDG_CONFIG_HOME; `sub` puts it in a subfolder of that name.
 */
async function setup(name = "box", sub?: string): Promise<TempHome> {
  const root = await Deno.makeTempDir({ prefix: "mycel-service-" });
  const dir = sub === undefined ? root : `${root}/${sub}`;
  await Deno.mkdir(dir, { recursive: true });
  const bin = await fakeBin(`${root}/bin`);
  const h = new RootedHome(root, dir, {
    env: { PATH: bin.path(), XDG_CONFIG_HOME: `${root}/config`, MYCEL_OFFLINE: "1" },
  });
  await h.ok(["init", "--name", name]);
  return h;
}

async function read(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const n of UNITS) out[n] = await Deno.readTextFile(`${dir}/${n}`);
  return out;
}

Deno.test("service install --dir --no-enable --json: six units that systemd-analyze verify accepts", async () => {
  await using h = await setup();
  const dir = h.path("units");
  const args = [
    "service",
    "install",
    "--dir",
    dir,
    "--no-enable",
    "--interval",
    "45s",
    "--port",
    "40123",
    "--json",
  ];
  const r = await h.run(args);
  assert.equal(r.code, 0, describe(args, r));
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc, {
    scope: Deno.uid() === 0 ? "system" : "user",
    files: UNITS.map((n) => `${dir}/${n}`),
    enabled: false,
    note: "not enabled (--no-enable)",
  });
  for (const n of UNITS) {
    assert.equal((await Deno.stat(`${dir}/${n}`)).mode! & 0o777, 0o644, n);
  }
  const u = await read(dir);
  assert.equal(unitValue(u["mycel-sync.timer"], "Timer", "OnBootSec"), "45s");
  assert.equal(unitValue(u["mycel-sync.timer"], "Timer", "OnUnitActiveSec"), "45s");
  assert.equal(unitValue(u["mycel-sync.timer"], "Timer", "AccuracySec"), "1s");
  assert.equal(unitValue(u["mycel-sync.service"], "Service", "Type"), "oneshot");
  assert.equal(unitValue(u["mycel-sync.socket"], "Socket", "ListenStream"), "40123");
  assert.equal(unitValue(u["mycel-sync.socket"], "Socket", "Accept"), "yes");
  assert.equal(unitValue(u["mycel-sync@.service"], "Service", "StandardInput"), "socket");
  assert.equal(unitValue(u["mycel-discovery.socket"], "Socket", "ListenDatagram"), "7850");
  assert.equal(unitValue(u["mycel-discovery.service"], "Service", "StandardInput"), "socket");
  assert.deepEqual(
    parseExecStart(unitValue(u["mycel-sync.service"], "Service", "ExecStart")),
    mycelArgv(h.home, "sync", "now", "--timeout", "20"),
  );
  assert.deepEqual(
    parseExecStart(unitValue(u["mycel-sync@.service"], "Service", "ExecStart")),
    mycelArgv(h.home, "sync", "serve", "--stdio", "--timeout", "30"),
  );

  if (!hasSystemdAnalyze()) {
    console.log("systemd-analyze verify skipped: systemd-analyze is not installed");
    return;
  }
  const verify = await verifyUnits(UNITS.map((n) => `${dir}/${n}`));
  assert.equal(verify.code, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}`);
  const complaints = `${verify.stdout}${verify.stderr}`.split("\n").filter((l) => /mycel/.test(l));
  assert.deepEqual(complaints, [], "systemd-analyze verify says nothing about mycel's units");

  // The check has teeth: a unit whose program is missing is rejected.
  const broken = `${h.path("broken")}/mycel-sync.service`;
  await Deno.mkdir(h.path("broken"));
  await Deno.writeTextFile(
    broken,
    u["mycel-sync.service"].replace(/^ExecStart=\S+/m, `ExecStart=${h.path("no-such-deno")}`),
  );
  const bad = await verifyUnits([broken]);
  assert.notEqual(bad.code, 0, `verify rejects a missing program:\n${bad.stderr}`);
});

Deno.test({
  name: "service install: a home path with spaces, quotes and $ reaches systemd intact",
  ignore: !hasSystemdAnalyze(),
  async fn() {
    await using h = await setup("box", "my service 'q' \"dq\" $x \\ dir");
    assert.match(h.home, / 'q' "dq" \$x \\ dir\/home$/);
    const dir = h.path("units");
    await h.ok(["service", "install", "--dir", dir, "--no-enable", "--port", "40124"]);
    const verify = await verifyUnits(UNITS.map((n) => `${dir}/${n}`));
    assert.equal(verify.code, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}`);
    const want = {
      "mycel-sync.service": mycelArgv(h.home, "sync", "now", "--timeout", "20"),
      "mycel-sync@.service": mycelArgv(h.home, "sync", "serve", "--stdio", "--timeout", "30"),
    };
    for (const [name, argv] of Object.entries(want)) {
      const text = await Deno.readTextFile(`${dir}/${name}`);
      assert.deepEqual(parseExecStart(unitValue(text, "Service", "ExecStart")), argv, name);
      if (name.includes("@")) continue; // a template cannot be loaded on its own
      const lines = await systemdCommandLines(`${dir}/${name}`);
      if (lines.length === 0) {
        console.log("systemd cross-check skipped: this systemd-analyze dumps no Command Line");
        continue;
      }
      assert.deepEqual(lines.map((l) => l.map((w) => substituteEnv(w))), [argv], name);
    }
  },
});

Deno.test("service install: the socket port defaults to this device's endpoint port, else 7850", async () => {
  await using h = await setup();
  await h.ok(["mesh", "set-endpoint", "127.0.0.1:40125"]);
  await h.ok(["service", "install", "--dir", h.path("a"), "--no-enable"]);
  const a = await Deno.readTextFile(h.path("a/mycel-sync.socket"));
  assert.equal(unitValue(a, "Socket", "ListenStream"), "40125");
  const st = await h.json<StatusJson>(["status", "--json"]);
  assert.deepEqual(st.device.endpoints, ["127.0.0.1:40125"], "an existing endpoint is kept");

  // A device without an endpoint: port 7850, and it advertises one (stderr says so).
  await using bare = await setup();
  const r = await bare.ok(["service", "install", "--dir", bare.path("b"), "--no-enable"]);
  const b = await Deno.readTextFile(bare.path("b/mycel-sync.socket"));
  assert.equal(unitValue(b, "Socket", "ListenStream"), "7850");
  const m = /^Advertising (\S+:7850) as this device's sync endpoint/m.exec(r.stderr);
  assert.ok(m, `advertises an endpoint:\n${r.stderr}`);
  const st2 = await bare.json<StatusJson>(["status", "--json"]);
  assert.deepEqual(st2.device.endpoints, [m[1]]);
});

Deno.test("service install: text output names the files and how to enable", async () => {
  await using h = await setup();
  const dir = h.path("units");
  const r = await h.ok([
    "service",
    "install",
    "--user",
    "--dir",
    dir,
    "--no-enable",
    "--port",
    "40126",
  ]);
  assert.equal(
    r.stdout,
    UNITS.map((n) => `wrote ${dir}/${n}\n`).join("") +
      "not enabled (--no-enable); enable later with: systemctl --user enable --now mycel-sync.timer mycel-sync.socket mycel-discovery.socket\n",
  );
  const s = await h.ok(["service", "install", "--system", "--dir", dir, "--no-enable"]);
  assert.match(
    s.stdout,
    /enable later with: systemctl enable --now mycel-sync\.timer mycel-sync\.socket mycel-discovery\.socket\n$/,
  );
});

Deno.test({
  name: "service install without --no-enable, systemd not running: written, not enabled, says why",
  ignore: SYSTEMD_RUNNING, // would call the real systemctl
  async fn() {
    await using h = await setup();
    const dir = h.path("units");
    const doc = await h.json<{ enabled: boolean; note: string; files: string[] }>([
      "service",
      "install",
      "--dir",
      dir,
      "--port",
      "40127",
      "--json",
    ]);
    assert.equal(doc.enabled, false);
    assert.equal(doc.note, "systemd is not running here");
    assert.equal(doc.files.length, 6);
  },
});

Deno.test("service install --user: units go to $XDG_CONFIG_HOME/systemd/user, else ~/.config", async () => {
  await using h = await setup();
  const xdg = `${(h as RootedHome).root}/config`;
  const doc = await h.json<{ scope: string; files: string[] }>([
    "service",
    "install",
    "--user",
    "--no-enable",
    "--port",
    "40128",
    "--json",
  ]);
  assert.equal(doc.scope, "user");
  assert.deepEqual(doc.files, UNITS.map((n) => `${xdg}/systemd/user/${n}`));
  const home = h.path("fakehome");
  const doc2 = await h.json<{ files: string[] }>(
    ["service", "install", "--user", "--no-enable", "--port", "40128", "--json"],
    { env: { XDG_CONFIG_HOME: undefined, HOME: home } },
  );
  assert.deepEqual(doc2.files, UNITS.map((n) => `${home}/.config/systemd/user/${n}`));
});

Deno.test("service install again replaces the units (new interval and port)", async () => {
  await using h = await setup();
  const dir = h.path("units");
  await h.ok([
    "service",
    "install",
    "--dir",
    dir,
    "--no-enable",
    "--interval",
    "45s",
    "--port",
    "40129",
  ]);
  await h.ok([
    "service",
    "install",
    "--dir",
    dir,
    "--no-enable",
    "--interval",
    "1m30s",
    "--port",
    "40130",
  ]);
  const u = await read(dir);
  assert.equal(unitValue(u["mycel-sync.timer"], "Timer", "OnUnitActiveSec"), "90s");
  assert.equal(unitValue(u["mycel-sync.timer"], "Timer", "OnBootSec"), "90s");
  assert.equal(unitValue(u["mycel-sync.socket"], "Socket", "ListenStream"), "40130");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [...UNITS].sort());
});

/** Run `service install ... BAD`: exit 2, no units, the home unchanged. */
async function rejects(h: TempHome, bad: string[]): Promise<void> {
  const before = await h.json<StatusJson>(["status", "--json"]);
  const args = ["service", "install", "--dir", h.path("units"), "--no-enable", ...bad];
  const r = await h.run(args);
  assert.equal(r.code, 2, describe(args, r));
  assert.match(r.stderr, /^error: /m);
  const entries = await Array.fromAsync(Deno.readDir(h.dir));
  assert.ok(!entries.some((e) => e.name === "units"), `no units written for ${bad.join(" ")}`);
  const after = await h.json<StatusJson>(["status", "--json"]);
  assert.deepEqual(
    after.device.endpoints,
    before.device.endpoints,
    `a usage error must not change the home (${args.join(" ")}):\n${r.stderr}`,
  );
  assert.equal(after.state_digest, before.state_digest, `home unchanged by ${bad.join(" ")}`);
}

Deno.test("service install: a bad --port or --interval is a usage error and writes nothing", async () => {
  await using h = await setup();
  for (
    const bad of [
      ["--port", "0"],
      ["--port", "65536"],
      ["--port", "http"],
      ["--interval", "0s"],
      ["--interval", "soon"],
    ]
  ) await rejects(h, bad);
});

Deno.test("service install --user --system is a usage error and writes nothing", async () => {
  await using h = await setup();
  await rejects(h, ["--user", "--system"]);
});

Deno.test("service status: the last round's time is local with its UTC offset, its peers counted; --json keeps ISO", async () => {
  await using h = await setup();
  await using other = await tempHome("mycel-service-peer-");
  // A peer whose address answers nothing: the round ends at once, 0 of 1 synced.
  await other.ok(["--no-sync", "init", "--name", "other", "--listen", `127.0.0.1:${freePort()}`]);
  await peer(h, other);
  const round = await h.run(["sync", "now"], { env: { MYCEL_OFFLINE: undefined } });
  assert.equal(round.code, 3, describe(["sync", "now"], round));

  // A zone with a half-hour offset and no summer time: the expected text is fixed.
  const india = { env: { TZ: "Asia/Kolkata" } };
  const dir = h.path("units");
  const st = await h.json<{ last_round: { at: string; peers: number; synced: number } }>(
    ["service", "status", "--dir", dir, "--json"],
    india,
  );
  assert.match(st.last_round.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual([st.last_round.peers, st.last_round.synced], [1, 0]);
  const at = new Date(Date.parse(st.last_round.at) + 5.5 * 3600_000).toISOString();
  const text = await h.ok(["service", "status", "--dir", dir], india);
  // Today's times leave the date out (unless midnight in India fell in between).
  const time = `${at.slice(11, 19)} +05:30`;
  const line = text.stdout.split("\n").find((l) => l.startsWith("last    "));
  assert.ok(
    line === `last    ${time}: 0 of 1 peer synced` ||
      line === `last    ${at.slice(0, 10)} ${time}: 0 of 1 peer synced`,
    text.stdout,
  );
});

Deno.test("service status and uninstall with --dir", async () => {
  await using h = await setup();
  const dir = h.path("units");
  const none = await h.json<Record<string, unknown>>(["service", "status", "--dir", dir, "--json"]);
  assert.equal(none.installed, false);
  assert.equal(none.last_round, null);

  await h.ok(["service", "install", "--dir", dir, "--no-enable", "--port", "40131"]);
  const st = await h.json<Record<string, unknown>>(["service", "status", "--dir", dir, "--json"]);
  assert.equal(st.installed, true);
  assert.equal(st.scope, Deno.uid() === 0 ? "system" : "user");
  if (!SYSTEMD_RUNNING) {
    assert.equal(st.timer, "unknown");
    assert.equal(st.socket, "unknown");
    assert.equal(st.next_round, null);
  }
  const text = await h.ok(["service", "status", "--dir", dir]);
  assert.match(text.stdout, /^units {3}installed \((system|user)\)$/m);
  assert.match(text.stdout, /^last {4}no round yet$/m);

  // Any one unit missing: not installed.
  await Deno.remove(`${dir}/mycel-sync.socket`);
  const partial = await h.json<Record<string, unknown>>([
    "service",
    "status",
    "--dir",
    dir,
    "--json",
  ]);
  assert.equal(partial.installed, false);

  const rm = await h.ok(["service", "uninstall", "--dir", dir]);
  assert.equal(
    rm.stdout,
    UNITS.filter((n) => n !== "mycel-sync.socket").map((n) => `removed ${dir}/${n}\n`).join(""),
  );
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  const again = await h.ok(["service", "uninstall", "--dir", dir]);
  assert.equal(again.stdout, "nothing was installed\n");
});

Deno.test({
  name:
    "service install --system for a user's home: the services run as that user, whose passphrase file it must be",
  ignore: Deno.uid() !== 0, // chown to another user needs root
  fn: async () => {
    const root = await Deno.makeTempDir({ prefix: "mycel-service-owner-" });
    try {
      const nobody = 65534;
      const pp = `${root}/pp`, home = `${root}/home`, dir = `${root}/units`;
      await Deno.writeTextFile(pp, "correct horse battery\n", { mode: 0o600 });
      const env = { MYCEL_OFFLINE: "1", XDG_CONFIG_HOME: `${root}/config` };
      const h = new TempHome(home, { env });
      await h.ok(["init", "--name", "box"], { env: { MYCEL_PASSPHRASE_FILE: pp } });
      await runProcess("chown", ["-R", String(nobody), home]);
      const args = ["service", "install", "--system", "--dir", dir, "--no-enable"];
      const as = { env: { SUDO_UID: String(nobody) } };

      // Root's own 0600 file: the units, run as the user, could not read it.
      const refused = await h.run([...args, "--passphrase-file", pp], as);
      assert.equal(refused.code, ExitCode.failure, refused.stderr);
      assert.match(refused.stderr, /the units run as the home's owner \(uid 65534\)/);
      assert.equal(await Deno.lstat(dir).then(() => true, () => false), false, "nothing written");

      await runProcess("chown", [String(nobody), pp]);
      await h.ok([...args, "--passphrase-file", pp], as);
      const u = await read(dir);
      for (const n of ["mycel-sync.service", "mycel-sync@.service", "mycel-discovery.service"]) {
        assert.equal(unitValue(u[n], "Service", "User"), String(nobody), n);
      }
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
