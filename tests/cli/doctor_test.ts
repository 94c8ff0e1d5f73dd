/**
 * @module doctor_test
 * `mycel doctor [--json] [--fix]` through real processes. Each planted
 * problem is found (`ok: false`, with its hint, exit non-zero): a
 * world-readable key file, a stale lock PID left by a dead holder, a lock
 * held by a live process, missing `wg`, a damaged log record, an unreachable
 * peer, units installed but not enabled. `--fix` repairs permissions and the
 * stale PID. A healthy home reports exactly the findings expected (the
 * schedule is missing until units or cron lines exist), and exits 0 only when
 * all is well.
 *
 * Every run gets a private XDG_CONFIG_HOME (user units) and a PATH whose
 * first folder holds a fake `crontab` (the user's real crontab is never
 * read) and, unless a test says otherwise, fake `wg`, `ip` and
 * `wireguard-go` that succeed, so the findings do not depend on the machine.
 */

import assert from "node:assert/strict";
import { describe, type MycelResult, TempHome, tempHome } from "../helpers/mycel.ts";
import { CRON_MARKER } from "../../src/service/units.ts";
import { freePort } from "../helpers/net.ts";
import { which } from "../helpers/process.ts";
import { segmentRecords } from "../helpers/segment.ts";
import { fakeBin, peer } from "../service/_helpers.ts";
import { runMain } from "./_in_process.ts";

interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

interface Report {
  ok: boolean;
  findings: Finding[];
}

const KERNEL_WG = (() => {
  try {
    Deno.statSync("/sys/module/wireguard");
    return true;
  } catch {
    return false;
  }
})();
const SYSTEMD_RUNNING = (() => {
  try {
    return Deno.statSync("/run/systemd/system").isDirectory;
  } catch {
    return false;
  }
})();
const SYSTEM_UNITS = (() => {
  try {
    Deno.statSync("/etc/systemd/system/mycel-sync.timer");
    return true;
  } catch {
    return false;
  }
})();
if (SYSTEM_UNITS) {
  console.log(
    "doctor schedule expectations skipped: mycel units are installed in /etc/systemd/system here",
  );
}

const OK = {
  permissions: { check: "permissions", ok: true, detail: "home folder and files are private" },
  /** Keys readable where they are kept: here the plain key file (no keyring in these runs). */
  keys: (h: TempHome) => ({
    check: "keys",
    ok: true,
    detail: `file ${h.home}/keys.cbor, NOT sealed`,
  }),
  lock: { check: "lock", ok: true, detail: "free" },
  clock: { check: "clock", ok: true, detail: "no peer's clock runs ahead" },
  wireguard: {
    check: "wireguard",
    ok: true,
    detail: `tools present (${KERNEL_WG ? "kernel module" : "wireguard-go"})`,
  },
};
const NO_SCHEDULE = {
  check: "schedule",
  ok: false,
  detail: "nothing runs `mycel sync now` on a schedule",
  hint: "Run `mycel service install` (or `mycel service install --cron`).",
};

/** A home folder with a fake-tool bin and private XDG_CONFIG_HOME. */
class DoctorHome extends TempHome {
  get bin(): string {
    return `${this.dir}/bin`;
  }
}

async function doctorHome(name = "box", tools = ["wg", "ip", "wireguard-go"]): Promise<DoctorHome> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-doctor-" });
  const bin = await fakeBin(`${dir}/bin`, tools);
  const h = new DoctorHome(dir, {
    env: { PATH: bin.path(), XDG_CONFIG_HOME: `${dir}/config`, MYCEL_OFFLINE: "1" },
  });
  await h.ok(["init", "--name", name]);
  return h;
}

/** `doctor --json [extra]`: the report and the process result. */
async function doctor(
  h: TempHome,
  extra: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<{ report: Report; result: MycelResult }> {
  const args = ["doctor", "--json", ...extra];
  // The homes are offline for their writes; doctor itself contacts peers.
  const result = await h.run(args, { env: { MYCEL_OFFLINE: undefined, ...env } });
  let report: Report;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`doctor printed no JSON: ${describe(args, result)}`);
  }
  assert.equal(
    result.code,
    report.ok ? 0 : 1,
    `exit 0 only when all is well: ${describe(args, result)}`,
  );
  assert.equal(report.ok, report.findings.every((f) => f.ok));
  for (const f of report.findings) {
    if (!f.ok) assert.ok(f.hint, `a failing finding has a hint: ${JSON.stringify(f)}`);
    else assert.equal(f.hint, undefined, `an ok finding has no hint: ${JSON.stringify(f)}`);
  }
  return { report, result };
}

function find(report: Report, check: string): Finding {
  const all = report.findings.filter((f) => f.check === check);
  assert.equal(all.length, 1, `one ${check} finding: ${JSON.stringify(report.findings, null, 1)}`);
  return all[0];
}

/** The findings of a fresh, healthy home without peers, by check. */
function healthy(h: TempHome, entries: number): Finding[] {
  return [
    { check: "home", ok: true, detail: `${h.home} (device box)` },
    OK.permissions,
    OK.keys(h),
    OK.lock,
    { check: "log", ok: true, detail: `${entries} entries intact` },
    OK.clock,
    OK.wireguard,
    NO_SCHEDULE,
  ];
}

function replace(findings: Finding[], ...changed: Finding[]): Finding[] {
  return findings.map((f) => changed.find((c) => c.check === f.check) ?? f);
}

function mode(path: string): number {
  return Deno.statSync(path).mode! & 0o777;
}

/** A PID that belonged to a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("/bin/sh", { args: ["-c", "exit 0"], stdout: "null" }).spawn();
  await child.status;
  return child.pid;
}

Deno.test({
  name: "doctor: a healthy home with a reachable peer reports exactly what is expected",
  ignore: SYSTEM_UNITS,
  async fn() {
    await using h = await doctorHome();
    await using other = await tempHome("mycel-doctor-peer-");
    const port = freePort();
    await other.ok(["--no-sync", "init", "--name", "other", "--listen", `127.0.0.1:${port}`]);
    await peer(h, other);
    await using server = other.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
    await server.waitFor(/listening on/);

    const { report, result } = await doctor(h);
    assert.equal(result.code, 1, "the missing schedule is a problem");
    assert.deepEqual(report.findings, [
      ...healthy(h, 2), // genesis + add-peer
      { check: "peer", ok: true, detail: `other reachable at 127.0.0.1:${port}` },
    ]);

    // Text: every finding, the failing one with its hint, and the count.
    const text = await h.run(["doctor"], { env: { MYCEL_OFFLINE: undefined } });
    assert.equal(text.code, 1);
    assert.match(text.stdout, /^ ok {3}permissions home folder and files are private$/m);
    assert.match(text.stdout, /^FAIL {2}schedule {4}nothing runs `mycel sync now` on a schedule$/m);
    assert.match(
      text.stdout,
      /^ {18}hint: Run `mycel service install` \(or `mycel service install --cron`\)\.$/m,
    );
    assert.match(text.stdout, /\n1 problem found\.\n$/);

    // The peer stops serving: unreachable (saying why), with a hint.
    await server.stop("SIGTERM");
    const down = find((await doctor(h)).report, "peer");
    assert.equal(down.ok, false);
    assert.equal(down.detail, `other unreachable: nothing is listening there (127.0.0.1:${port})`);
    assert.equal(
      down.hint,
      "Is other on and serving (`mycel service status` there)? Is the port open?",
    );
  },
});

Deno.test("doctor: a peer without an endpoint is unreachable, with the set-endpoint hint", async () => {
  await using h = await doctorHome();
  await using other = await tempHome("mycel-doctor-peer-");
  await other.ok(["--no-sync", "init", "--name", "nowhere"]);
  await peer(h, other);
  const { report } = await doctor(h);
  assert.deepEqual(find(report, "peer"), {
    check: "peer",
    ok: false,
    detail: "nowhere unreachable: it has no endpoint",
    hint: "On nowhere: `mycel mesh set-endpoint HOST:PORT` and `mycel service install`.",
  });
});

Deno.test("doctor --no-sync (or MYCEL_OFFLINE=1) contacts no peer and lists none", async () => {
  await using h = await doctorHome();
  await using other = await tempHome("mycel-doctor-peer-");
  await other.ok(["--no-sync", "init", "--name", "nowhere"]);
  await peer(h, other);
  for (const [extra, env] of [[["--no-sync"], {}], [[], { MYCEL_OFFLINE: "1" }]] as const) {
    const { report } = await doctor(h, [...extra], env);
    assert.deepEqual(report.findings.filter((f) => f.check === "peer"), [], extra.join(" "));
  }
});

Deno.test({
  name: "doctor: exit 0 and 'All is well.' once cron lines are installed",
  ignore: SYSTEM_UNITS,
  async fn() {
    await using h = await doctorHome();
    await h.ok(["service", "install", "--cron", "--apply", "--port", "40150"]);
    const crontab = await Deno.readTextFile(`${h.bin}/crontab.table`);
    assert.ok(crontab.includes(CRON_MARKER));
    const { report, result } = await doctor(h);
    assert.equal(result.code, 0, describe(["doctor", "--json"], result));
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.findings,
      replace(healthy(h, 2), { check: "schedule", ok: true, detail: "cron lines installed" }), // + endpoint
    );
    const text = await h.run(["doctor"]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /\nAll is well\.\n$/);
  },
});

Deno.test({
  name: "doctor: user units installed but not enabled: the schedule says how to enable",
  ignore: SYSTEM_UNITS || SYSTEMD_RUNNING,
  async fn() {
    await using h = await doctorHome();
    await h.ok(["service", "install", "--user", "--no-enable", "--port", "40151"]);
    const { report } = await doctor(h);
    assert.deepEqual(find(report, "schedule"), {
      check: "schedule",
      ok: false,
      detail: "user units installed but the timer is unknown",
      hint: "Run `systemctl --user enable --now mycel-sync.timer mycel-sync.socket`.",
    });
  },
});

Deno.test("doctor: a world-readable key file and an open folder; --fix makes them private", async () => {
  await using h = await doctorHome();
  await Deno.chmod(`${h.home}/keys.cbor`, 0o644);
  await Deno.chmod(`${h.home}/log`, 0o755);
  const { report, result } = await doctor(h);
  assert.equal(result.code, 1);
  assert.deepEqual(find(report, "permissions"), {
    check: "permissions",
    ok: false,
    detail: `${h.home}/log is 0755, should be 0700; ${h.home}/keys.cbor is 0644, should be 0600`,
    hint: `Run \`mycel doctor --fix\` (or chmod 700 folders, 600 files in ${h.home}).`,
  });
  assert.deepEqual(find(report, "keys"), OK.keys(h));
  const text = await h.run(["doctor"]);
  assert.match(text.stdout, /^FAIL {2}permissions .*keys\.cbor is 0644, should be 0600$/m);
  assert.match(text.stdout, /^ {18}hint: Run `mycel doctor --fix`/m);

  const fixed = await doctor(h, ["--fix"]);
  assert.deepEqual(find(fixed.report, "permissions"), {
    check: "permissions",
    ok: true,
    detail: "home folder and files private (fixed if needed)",
  });
  assert.equal(mode(`${h.home}/keys.cbor`), 0o600);
  assert.equal(mode(`${h.home}/log`), 0o700);
  const after = await doctor(h);
  assert.deepEqual(after.report.findings, healthy(h, 1));
});

Deno.test("doctor: a stale lock PID left by a dead holder; --fix clears it", async () => {
  await using h = await doctorHome();
  const pid = await deadPid();
  await Deno.writeTextFile(`${h.home}/lock`, `${pid}\n`);
  const { report } = await doctor(h);
  assert.deepEqual(
    report.findings,
    replace(healthy(h, 1), {
      check: "lock",
      ok: false,
      detail:
        `stale: pid ${pid} died while writing (the kernel released the lock; nothing is blocked)`,
      hint: "Run `mycel doctor --fix` to clear it; `mycel repair` if data looks wrong.",
    }),
  );

  await Deno.writeTextFile(`${h.home}/lock`, `${pid}\n`);
  const fixed = await doctor(h, ["--fix"]);
  assert.deepEqual(find(fixed.report, "lock"), {
    check: "lock",
    ok: true,
    detail: `cleared the stale PID ${pid}`,
  });
  assert.equal(await Deno.readTextFile(`${h.home}/lock`), "");
  assert.deepEqual(find((await doctor(h)).report, "lock"), OK.lock);
});

Deno.test("doctor without --fix leaves a stale lock PID in place (it only reports)", async () => {
  await using h = await doctorHome();
  const pid = await deadPid();
  await Deno.writeTextFile(`${h.home}/lock`, `${pid}\n`);
  await doctor(h);
  assert.equal(
    await Deno.readTextFile(`${h.home}/lock`),
    `${pid}\n`,
    "doctor (no --fix) erased the stale PID from the lock file",
  );
  const second = await doctor(h);
  assert.equal(find(second.report, "lock").ok, false, "a second doctor still sees the stale PID");
  const fixed = await doctor(h, ["--fix"]);
  assert.equal(find(fixed.report, "lock").detail, `cleared the stale PID ${pid}`);
});

Deno.test("doctor: a lock held by a live process names its PID; --fix leaves it alone", async () => {
  await using h = await doctorHome();
  const lockPath = `${h.home}/lock`;
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `const f = await Deno.open(${JSON.stringify(lockPath)}, { read: true, write: true });
       await f.lock(true);
       await f.truncate(0);
       await f.write(new TextEncoder().encode(Deno.pid + "\\n"));
       console.log("locked");
       await new Promise((r) => setTimeout(r, 60_000));`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await reader.read();
    assert.equal(value?.trim(), "locked");
    reader.releaseLock();

    const held = {
      check: "lock",
      ok: false,
      detail: `held by pid ${holder.pid}`,
      hint: "Another mycel is writing; if it is stuck, stop it (kill that PID).",
    };
    const { report, result } = await doctor(h);
    assert.equal(result.code, 1);
    assert.deepEqual(report.findings, replace(healthy(h, 1), held));
    const fixed = await doctor(h, ["--fix"]);
    assert.deepEqual(find(fixed.report, "lock"), held);
    assert.equal(await Deno.readTextFile(lockPath), `${holder.pid}\n`, "--fix did not touch it");
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdout.cancel().catch(() => {});
  }
  // The holder is gone: the kernel released the lock; its PID is left behind.
  const after = await doctor(h);
  assert.equal(find(after.report, "lock").ok, false);
  assert.match(find(after.report, "lock").detail, /^stale: pid \d+ died while writing/);
});

Deno.test("doctor: missing wg is reported with the package to install", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mycel-doctor-path-" });
  await using h = await doctorHome("box", []);
  try {
    // PATH: only ip and wireguard-go (real ones when installed) and the fake crontab; no wg.
    const bin = await fakeBin(dir);
    const fakes: string[] = [];
    for (const tool of ["ip", "wireguard-go"]) {
      const real = which(tool);
      if (real) await Deno.symlink(real, `${dir}/${tool}`);
      else fakes.push(tool);
    }
    await fakeBin(dir, fakes);
    assert.equal(which("wg", dir), undefined);
    const { report, result } = await doctor(h, [], { PATH: bin.dir });
    assert.equal(result.code, 1);
    assert.deepEqual(
      report.findings,
      replace(healthy(h, 1), {
        check: "wireguard",
        ok: false,
        detail: "missing wg (wireguard-tools): the mesh cannot come up (sync still works directly)",
        hint: "Debian/Ubuntu: sudo apt install wireguard-tools wireguard-go iproute2",
      }),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("doctor: nothing of WireGuard installed lists every missing piece", async () => {
  await using h = await doctorHome("box", []);
  const dir = h.path("empty-bin");
  const bin = await fakeBin(dir);
  const { report } = await doctor(h, [], { PATH: bin.dir });
  const wg = find(report, "wireguard");
  assert.equal(wg.ok, false);
  assert.equal(
    wg.detail,
    `missing wg (wireguard-tools), ip (iproute2)${
      KERNEL_WG ? "" : ", wireguard-go or the kernel module"
    }: the mesh cannot come up (sync still works directly)`,
  );
});

Deno.test("doctor: a damaged record in the middle of the log; --fix leaves it to repair", async () => {
  await using h = await doctorHome();
  for (const [k, v] of [["theme", "dark"], ["lang", "en"], ["editor", "vim"], ["shell", "fish"]]) {
    await h.ok(["pref", "set", k, v]);
  }
  const logs = [...Deno.readDirSync(`${h.home}/log`)].filter((e) => e.name.endsWith(".log"));
  assert.equal(logs.length, 1);
  const path = `${h.home}/log/${logs[0].name}`;
  const bytes = await Deno.readFile(path);
  const recs = segmentRecords(bytes);
  assert.equal(recs.length, 5);
  const victim = recs[2];
  bytes[victim.offset + 8 + Math.floor(victim.length / 2)] ^= 0x01; // one bit of one byte
  await Deno.writeFile(path, bytes);

  const { report, result } = await doctor(h);
  assert.equal(result.code, 1);
  const log = find(report, "log");
  assert.equal(log.ok, false);
  assert.equal(log.hint, "Run `mycel repair`.");
  assert.ok(log.detail.includes(path), `the detail names ${path}: ${log.detail}`);
  // Everything else is as healthy as before.
  assert.deepEqual(
    report.findings.filter((f) => f.check !== "log"),
    healthy(h, 5).filter((f) => f.check !== "log"),
  );

  const fixed = await doctor(h, ["--fix"]);
  assert.equal(find(fixed.report, "log").ok, false, "--fix does not touch the log");
  assert.deepEqual(await Deno.readFile(path), bytes);

  await h.ok(["repair"]);
  const repaired = await doctor(h);
  assert.equal(find(repaired.report, "log").ok, true, JSON.stringify(find(repaired.report, "log")));
});

Deno.test("doctor: a home that is not set up fails with the init hint", async () => {
  await using h = await tempHome("mycel-doctor-none-");
  const r = await h.run(["doctor", "--json"], { env: { XDG_CONFIG_HOME: h.path("config") } });
  assert.equal(r.code, 1, describe(["doctor", "--json"], r));
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.ok, false);
  assert.equal(report.findings.length, 1);
  assert.equal(report.findings[0].check, "home");
  assert.equal(report.findings[0].ok, false);
  assert.match(report.findings[0].hint ?? "", /mycel init/);
});

Deno.test("doctor on a terminal: ok in green, FAIL in red; plain with NO_COLOR", async () => {
  await using h = await doctorHome();
  const env = { MYCEL_HOME: h.home, MYCEL_OFFLINE: "1", XDG_CONFIG_HOME: `${h.dir}/config` };
  const coloured = await runMain(["doctor"], { env, terminal: true });
  const lines = coloured.stdout.split("\n");
  assert.ok(lines.some((l) => l.startsWith("\x1b[32m ok \x1b[0m  home ")), coloured.stdout);
  assert.ok(lines.some((l) => l.startsWith("\x1b[31mFAIL\x1b[0m  schedule ")), coloured.stdout);
  const plain = await runMain(["doctor"], { env: { ...env, NO_COLOR: "1" }, terminal: true });
  assert.ok(!plain.stdout.includes("\x1b"), plain.stdout);
  assert.match(plain.stdout, /^ ok {3}home /m);
});
