/**
 * @module units_test
 * Pure rendering of the systemd units and cron lines (src/service/units.ts):
 * timer cadence and accuracy, oneshot service, `Accept=yes` socket (capped in
 * all and per source address) with a `StandardInput=socket` template, and
 * the quoting of awkward paths (spaces,
 * quotes, `$`, `%`, backslashes) for ExecStart (checked against systemd's own
 * parser through `systemd-analyze verify`'s debug dump) and for /bin/sh
 * (checked by running sh).
 */

import assert from "node:assert/strict";
import { CRON_MARKER } from "../../src/service/cron_marker.ts";
import {
  quoteExec,
  quoteShell,
  renderCron,
  renderUnits,
  type ServiceSpec,
  UNIT_NAMES,
} from "../../src/service/units.ts";
import {
  MAX_PER_SOURCE,
  STDIO_EVICT_AT,
  STDIO_MAX_CONNECTIONS,
} from "../../src/protocol/connection_limits.ts";
import { cronSchedule } from "../../src/service/cron_schedule.ts";
import { ExitCode, MycelError } from "../../src/errors.ts";
import { runProcess } from "../helpers/process.ts";
import {
  hasSystemdAnalyze,
  parseCrontab,
  parseExecStart,
  splitSystemdWords,
  substituteEnv,
  systemdCommandLines,
  unitEntries,
  unitValue,
  verifyUnits,
} from "./_helpers.ts";

const SPEC: ServiceSpec = {
  exec: ["/usr/bin/deno", "run", "-A", "/opt/mycel/main.ts"],
  home: "/home/ann/.local/share/mycel",
  intervalSeconds: 30,
  port: 7850,
};

function units(spec: ServiceSpec): Record<string, string> {
  return Object.fromEntries(renderUnits(spec).map((u) => [u.name, u.content]));
}

/** Awkward arguments every quoting must carry through unchanged. */
const AWKWARD = [
  "plain/path-1.2_x",
  "with space",
  "two  spaces",
  "it's",
  'say "hi"',
  "dollar$HOME",
  "${HOME}",
  "$$",
  "back\\slash",
  "trailing\\",
  "tab\there",
  "semi;colon",
  ";",
  "",
  "ünïcödé path",
  "a'b\"c$d\\e f",
  "-dash",
  "~tilde",
  "*glob?[x]",
  "`cmd` $(cmd)",
];

/** Contain `%`: systemd reads `%x` as a specifier, cron reads `%` as a newline. */
const PERCENT = ["100%", "50%done", "/tmp/%h/home", "%%", "a%b c"];

Deno.test("renderUnits: the six units, in install order", () => {
  assert.deepEqual(renderUnits(SPEC).map((u) => u.name), UNIT_NAMES);
  assert.deepEqual(UNIT_NAMES, [
    "mycel-sync.service",
    "mycel-sync.timer",
    "mycel-sync.socket",
    "mycel-sync@.service",
    "mycel-discovery.socket",
    "mycel-discovery.service",
  ]);
});

Deno.test("renderUnits: a datagram socket on UDP 7850 starts discovery respond --stdio on the first probe", () => {
  const u = units(SPEC);
  const socket = u["mycel-discovery.socket"];
  assert.equal(unitValue(socket, "Socket", "ListenDatagram"), "7850");
  assert.ok(!socket.includes("Accept="), "Accept=no, the default");
  assert.equal(unitValue(socket, "Install", "WantedBy"), "sockets.target");
  const service = u["mycel-discovery.service"];
  assert.equal(unitValue(service, "Service", "StandardInput"), "socket");
  assert.deepEqual(parseExecStart(unitValue(service, "Service", "ExecStart")), [
    ...SPEC.exec,
    "--home",
    SPEC.home,
    "discovery",
    "respond",
    "--stdio",
    "--sync-port",
    String(SPEC.port),
  ]);
});

Deno.test("renderUnits: oneshot service running sync now with --home", () => {
  const service = units(SPEC)["mycel-sync.service"];
  assert.equal(unitValue(service, "Service", "Type"), "oneshot");
  assert.deepEqual(parseExecStart(unitValue(service, "Service", "ExecStart")), [
    ...SPEC.exec,
    "--home",
    SPEC.home,
    "sync",
    "now",
    "--timeout",
    "20",
  ]);
  // Exit 3 (no peer reachable) is normal for a laptop on the move.
  assert.equal(unitValue(service, "Service", "SuccessExitStatus"), "3");
  assert.equal(unitValue(service, "Unit", "Wants"), "network-online.target");
  assert.equal(unitValue(service, "Unit", "After"), "network-online.target");
  // A hang ends at the timeout; a scan hashing GBs of new content must not
  // (it is recorded only once it ends: at 120 s it never was).
  assert.equal(Number(unitValue(service, "Service", "TimeoutStartSec")), 3600);
});

Deno.test("renderUnits: timer every interval after boot and after each run, 1 s accuracy", () => {
  for (const seconds of [30, 45, 1, 3600]) {
    const timer = units({ ...SPEC, intervalSeconds: seconds })["mycel-sync.timer"];
    assert.equal(unitValue(timer, "Timer", "OnBootSec"), `${seconds}s`);
    assert.equal(unitValue(timer, "Timer", "OnUnitActiveSec"), `${seconds}s`);
    assert.equal(unitValue(timer, "Timer", "AccuracySec"), "1s");
    assert.equal(unitValue(timer, "Install", "WantedBy"), "timers.target");
    // No Unit= : the timer starts the service of its own name.
    assert.ok(!unitEntries(timer).some((e) => e.key === "Unit"));
  }
});

Deno.test("renderUnits: the sync socket caps connections per source address as sync serve --listen does", () => {
  const socket = units(SPEC)["mycel-sync.socket"];
  assert.equal(unitValue(socket, "Socket", "MaxConnections"), "16");
  // Idle sockets from one address must not hold all 16 slots.
  assert.equal(unitValue(socket, "Socket", "MaxConnectionsPerSource"), String(MAX_PER_SOURCE));
  assert.ok(MAX_PER_SOURCE < 16, "one source can still leave room for the others");
});

Deno.test("renderUnits: the sync socket's MaxConnections leaves headroom above where --stdio processes evict", () => {
  const socket = units(SPEC)["mycel-sync.socket"];
  // systemd refuses a connection past MaxConnections outright: the processes
  // must evict idle ones before it is reached (src/sync/stdio_admission.ts).
  assert.equal(unitValue(socket, "Socket", "MaxConnections"), String(STDIO_MAX_CONNECTIONS));
  assert.ok(
    STDIO_EVICT_AT < STDIO_MAX_CONNECTIONS,
    "a member finds room while idle ones are evicted",
  );
  assert.ok(STDIO_MAX_CONNECTIONS - STDIO_EVICT_AT >= MAX_PER_SOURCE, "room for a source's worth");
});

Deno.test("renderUnits: socket with Accept=yes on the port, template reading the socket", () => {
  const u = units({ ...SPEC, port: 40123, sessionSeconds: 12 });
  const socket = u["mycel-sync.socket"];
  assert.equal(unitValue(socket, "Socket", "ListenStream"), "40123");
  assert.equal(unitValue(socket, "Socket", "Accept"), "yes");
  assert.equal(unitValue(socket, "Install", "WantedBy"), "sockets.target");
  const template = u["mycel-sync@.service"];
  assert.equal(unitValue(template, "Service", "StandardInput"), "socket");
  assert.equal(unitValue(template, "Service", "StandardOutput"), "socket");
  assert.deepEqual(parseExecStart(unitValue(template, "Service", "ExecStart")), [
    ...SPEC.exec,
    "--home",
    SPEC.home,
    "sync",
    "serve",
    "--stdio",
    "--timeout",
    "12",
  ]);
  // The runtime cap leaves the session deadline room to finish.
  assert.ok(Number(unitValue(template, "Service", "RuntimeMaxSec")) > 12);
  // The default session deadline is 30 s.
  const dflt = parseExecStart(
    unitValue(units(SPEC)["mycel-sync@.service"], "Service", "ExecStart"),
  );
  assert.deepEqual(dflt.slice(-2), ["--timeout", "30"]);
});

Deno.test("quoteExec: safe words stay bare, others are double-quoted", () => {
  assert.equal(quoteExec("/usr/bin/deno"), "/usr/bin/deno");
  assert.equal(quoteExec("--home"), "--home");
  assert.equal(quoteExec("a=b,c:d@e+f"), "a=b,c:d@e+f");
  assert.equal(quoteExec("with space"), '"with space"');
  assert.equal(quoteExec('say "hi"'), '"say \\"hi\\""');
  assert.equal(quoteExec("back\\slash"), '"back\\\\slash"');
  assert.equal(quoteExec("$HOME"), '"$$HOME"');
  assert.equal(quoteExec(""), '""');
});

Deno.test("quoteExec: every awkward argument reads back unchanged (systemd's rules)", () => {
  for (const arg of AWKWARD) {
    const line = `/bin/echo ${quoteExec(arg)}`;
    assert.deepEqual(parseExecStart(line), ["/bin/echo", arg], `quoteExec(${JSON.stringify(arg)})`);
  }
  const all = AWKWARD.map(quoteExec).join(" ");
  assert.deepEqual(parseExecStart(`/bin/echo ${all}`), ["/bin/echo", ...AWKWARD]);
});

Deno.test("quoteExec: % survives systemd's specifier expansion", () => {
  // systemd resolves %x specifiers in ExecStart (%h = home, %b = boot id, ...);
  // a literal % must be written %%.
  for (const arg of PERCENT) {
    const line = `/bin/echo ${quoteExec(arg)}`;
    assert.deepEqual(
      parseExecStart(line, { specifiers: { h: "/root", b: "BOOTID", d: "/run/credentials/x" } }),
      ["/bin/echo", arg],
      `quoteExec(${JSON.stringify(arg)}) = ${quoteExec(arg)}: a % must be escaped as %%`,
    );
  }
});

Deno.test({
  name: "quoteExec: systemd itself parses the awkward arguments back unchanged",
  ignore: !hasSystemdAnalyze(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mycel-quote-" });
    try {
      const args = ["/bin/echo", ...AWKWARD];
      const path = `${dir}/quote.service`;
      await Deno.writeTextFile(
        path,
        `[Service]\nType=oneshot\nExecStart=${args.map(quoteExec).join(" ")}\n`,
      );
      const verify = await verifyUnits([path]);
      assert.equal(verify.code, 0, `systemd-analyze verify:\n${verify.stderr}`);
      const lines = await systemdCommandLines(path);
      if (lines.length === 0) {
        console.log("systemd cross-check skipped: this systemd-analyze dumps no Command Line");
        return;
      }
      assert.equal(lines.length, 1);
      // systemd keeps `$` until it runs the command, then `$$` → `$`.
      assert.deepEqual(lines[0].map((w) => substituteEnv(w)), args);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "quoteExec: systemd itself parses % back unchanged",
  ignore: !hasSystemdAnalyze(),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "mycel-quote-" });
    try {
      const args = ["/bin/echo", ...PERCENT];
      const path = `${dir}/quote.service`;
      await Deno.writeTextFile(
        path,
        `[Service]\nType=oneshot\nExecStart=${args.map(quoteExec).join(" ")}\n`,
      );
      const lines = await systemdCommandLines(path);
      if (lines.length === 0) {
        console.log("systemd cross-check skipped: this systemd-analyze dumps no Command Line");
        return;
      }
      assert.deepEqual(
        lines[0].map((w) => substituteEnv(w)),
        args,
        `ExecStart=${args.map(quoteExec).join(" ")}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("splitSystemdWords reads systemd's own dump format", () => {
  // A line as systemd 252 dumps it (see systemdCommandLines).
  assert.deepEqual(
    splitSystemdWords(
      String.raw`/bin/echo ";" "a;b" "" "tab\tx" "back\\slash" "q\"uote" "d\$\$H" %`,
    ),
    ["/bin/echo", ";", "a;b", "", "tab\tx", "back\\slash", 'q"uote', "d$$H", "%"],
  );
});

Deno.test("quoteShell: safe words stay bare, others single-quoted", () => {
  assert.equal(quoteShell("/usr/bin/deno"), "/usr/bin/deno");
  assert.equal(quoteShell("with space"), "'with space'");
  assert.equal(quoteShell("it's"), `'it'\\''s'`);
  assert.equal(quoteShell("$HOME"), "'$HOME'");
  assert.equal(quoteShell(""), "''");
});

Deno.test("quoteShell: /bin/sh reads every awkward argument back unchanged", async () => {
  const args = [...AWKWARD, ...PERCENT];
  const script = `printf '%s\\0' ${args.map(quoteShell).join(" ")}`;
  const r = await runProcess("/bin/sh", ["-c", script], { env: { HOME: "/nowhere" } });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), args);
});

Deno.test("renderCron: marker and two lines a minute, the second after sleep 30; no lock file, no flock", () => {
  const text = renderCron(SPEC);
  const lines = text.split("\n");
  assert.equal(lines.length, 4, JSON.stringify(text)); // marker, two jobs, final newline
  assert.equal(lines[0], CRON_MARKER);
  assert.equal(lines[3], "");
  const jobs = parseCrontab(text);
  assert.equal(jobs.length, 2);
  // Without a lock file (macOS has no flock) sync now's own round guard is the only one.
  const cmd = `${SPEC.exec.join(" ")} --home ${SPEC.home} sync now --timeout 20 >/dev/null 2>&1`;
  assert.deepEqual(jobs[0], { schedule: ["*", "*", "*", "*", "*"], command: cmd });
  assert.deepEqual(jobs[1], { schedule: ["*", "*", "*", "*", "*"], command: `sleep 30; ${cmd}` });
  assert.ok(!text.includes("flock"), text);
});

Deno.test("renderCron: with a lock file both lines run under flock -n (environment first)", () => {
  const spec = { ...SPEC, environment: { MYCEL_PASSPHRASE_FILE: "/k/pw" } };
  const jobs = parseCrontab(renderCron(spec, "/h/cron.lock"));
  const cmd = `MYCEL_PASSPHRASE_FILE=/k/pw flock -n /h/cron.lock ${SPEC.exec.join(" ")} ` +
    `--home ${SPEC.home} sync now --timeout 20 >/dev/null 2>&1`;
  assert.deepEqual(jobs.map((j) => j.command), [cmd, `sleep 30; ${cmd}`]);
});

Deno.test("renderCron: awkward paths are shell-quoted and survive sh", async () => {
  const home = "/tmp/my home/it's $x";
  const spec = { ...SPEC, exec: ["/opt/my tools/mycel"], home };
  const jobs = parseCrontab(renderCron(spec));
  assert.equal(jobs.length, 2);
  for (const job of jobs) assert.equal(job.stdin, undefined);
  // Put printf in front of mycel to see the argv sh builds.
  const command = `printf '%s\\0' ${jobs[0].command.replace(/ >\/dev\/null 2>&1$/, "")}`;
  const r = await runProcess("/bin/sh", ["-c", command]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), [
    "/opt/my tools/mycel",
    "--home",
    home,
    "sync",
    "now",
    "--timeout",
    "20",
  ]);
});

Deno.test("renderCron: a % in a path is escaped for cron (else cron cuts the command there)", () => {
  const home = "/srv/100%/mycel";
  const jobs = parseCrontab(renderCron({ ...SPEC, home }));
  for (const job of jobs) {
    assert.equal(
      job.stdin,
      undefined,
      `cron would end the command at the % and feed the rest as stdin:\n${job.command}`,
    );
    assert.ok(job.command.includes(`--home ${home} sync now`));
  }
});

Deno.test("parseCrontab rejects what cron rejects", () => {
  for (
    const bad of [
      "* * * * echo too few\n",
      "60 * * * * echo minute\n",
      "* 24 * * * echo hour\n",
      "* * 0 * * echo dom\n",
      "* * * 13 * echo month\n",
      "* * * * 8 echo dow\n",
      "*/0 * * * * echo step\n",
      "5-1 * * * * echo range\n",
      "* * * * *\n",
      "* * * * * echo no newline",
    ]
  ) assert.throws(() => parseCrontab(bad), Error, JSON.stringify(bad));
  assert.deepEqual(
    parseCrontab("# c\nSHELL=/bin/sh\n*/5 1-3,7 * jan-mar mon echo a\\%b%in\n"),
    [{ schedule: ["*/5", "1-3,7", "*", "jan-mar", "mon"], command: "echo a%b", stdin: "in" }],
  );
});

Deno.test("renderUnits --mesh: mesh up runs before each round, may fail, and its wireguard-go survives", () => {
  const service = units({ ...SPEC, mesh: true })["mycel-sync.service"];
  const pre = service.split("\n").find((l) => l.startsWith("ExecStartPre="));
  assert.ok(pre, service);
  assert.ok(pre.startsWith("ExecStartPre=-"), "a failed mesh up must not fail the round");
  assert.match(pre, / --no-sync mesh up --no-wait$/);
  assert.match(service, /^KillMode=process$/m);
  assert.ok(service.indexOf("ExecStartPre=") < service.indexOf("ExecStart="));
  const plain = units(SPEC)["mycel-sync.service"];
  assert.ok(!plain.includes("ExecStartPre") && !plain.includes("KillMode"), plain);
});

Deno.test("renderCron: a round every --interval, as cron can keep it (lines a minute with sleeps, or a step)", () => {
  const schedules = (intervalSeconds: number) =>
    parseCrontab(renderCron({ ...SPEC, intervalSeconds })).map((j) =>
      `${j.schedule.join(" ")} ${/^sleep (\d+); /.exec(j.command)?.[1] ?? "0"}`
    );
  assert.deepEqual(schedules(30), ["* * * * * 0", "* * * * * 30"]);
  assert.deepEqual(schedules(10), [0, 10, 20, 30, 40, 50].map((s) => `* * * * * ${s}`));
  assert.deepEqual(schedules(60), ["* * * * * 0"]);
  assert.deepEqual(schedules(300), ["*/5 * * * * 0"]);
  assert.deepEqual(schedules(3600), ["0 * * * * 0"]);
  assert.deepEqual(schedules(7200), ["0 */2 * * * 0"]);
});

Deno.test("cronSchedule: an interval cron can't keep evenly is a usage error naming the nearest it keeps", () => {
  for (
    const [seconds, nearest] of [[7, "6s"], [45, "30s"], [100, "2m"], [420, "6m"], [
      5400,
      "1h",
    ]] as const
  ) {
    assert.throws(
      () => cronSchedule(seconds),
      (e: unknown) =>
        e instanceof MycelError && e.code === "usage" && e.exit === ExitCode.usage &&
        e.message.includes(`(${seconds}s)`) && (e.hint ?? "").includes(nearest),
      `${seconds}s`,
    );
  }
});

Deno.test("renderUnits: system units for a user's home run every service as that user, only mesh up as root", () => {
  const u = units({ ...SPEC, mesh: true, user: 1000 });
  for (const name of ["mycel-sync.service", "mycel-sync@.service", "mycel-discovery.service"]) {
    assert.equal(unitValue(u[name], "Service", "User"), "1000", name);
  }
  const sync = u["mycel-sync.service"];
  const up = [...SPEC.exec, "--home", SPEC.home, "--no-sync", "mesh", "up", "--no-wait"];
  // "-+": a failure doesn't stop the round; "+": root's full privileges whatever User= says.
  for (const key of ["ExecStartPre", "ExecStopPost"]) {
    const line = unitValue(sync, "Service", key);
    assert.ok(line.startsWith("-+"), `${key}=${line}`);
    assert.deepEqual(parseExecStart(line.slice(2)), up, key);
  }
  // The round itself, as the user, does not run with "+".
  assert.ok(!unitValue(sync, "Service", "ExecStart").startsWith("+"));
  assert.equal(
    unitEntries(sync).find((e) => e.key === "Environment")?.value,
    "MYCEL_MESH_APPLY=unit",
  );
  // Without a mesh, no root step at all.
  const plain = units({ ...SPEC, user: 1000 })["mycel-sync.service"];
  assert.ok(
    !unitEntries(plain).some((e) => e.key === "ExecStartPre" || e.key === "ExecStopPost"),
    plain,
  );
  assert.equal(unitValue(plain, "Service", "User"), "1000");
});

Deno.test("renderUnits: root's own home and user units name no User=, and mesh up runs unprefixed before the round only", () => {
  const u = units({ ...SPEC, mesh: true });
  for (const text of Object.values(u)) {
    assert.ok(!unitEntries(text).some((e) => e.key === "User"), text);
  }
  const sync = u["mycel-sync.service"];
  assert.ok(unitValue(sync, "Service", "ExecStartPre").startsWith("-/"));
  assert.ok(!unitEntries(sync).some((e) => e.key === "ExecStopPost"));
});

Deno.test({
  name: "renderUnits: systemd-analyze verify accepts the units that run as the home's owner",
  ignore: !hasSystemdAnalyze(),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "mycel-units-user-" });
    try {
      const spec = { ...SPEC, exec: [Deno.execPath(), "--version"], mesh: true, user: 65534 };
      const files: string[] = [];
      for (const u of renderUnits(spec)) {
        await Deno.writeTextFile(`${dir}/${u.name}`, u.content);
        files.push(`${dir}/${u.name}`);
      }
      const verify = await verifyUnits(files);
      assert.equal(verify.code, 0, `systemd-analyze verify:\n${verify.stdout}${verify.stderr}`);
      const said = `${verify.stdout}${verify.stderr}`.split("\n").filter((l) => /mycel/.test(l));
      assert.deepEqual(said, [], "systemd-analyze verify says nothing about mycel's units");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
