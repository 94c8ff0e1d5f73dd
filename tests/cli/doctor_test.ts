/**
 * @module doctor_test
 * `mycel doctor [--json] [--fix]` through real processes. Each planted
 * problem is found (`ok: false`, with its hint, exit non-zero): a
 * world-readable key file or database and an open home folder, missing
 * `wg`, a byte flipped inside an entry stored in `mycel.db`, an unreachable
 * peer, units installed but not enabled. `--fix` repairs permissions (and
 * nothing else). A healthy home reports exactly the findings expected (the
 * schedule is missing until units or cron lines exist), and exits 0 only when
 * all is well. (The old lock checks are gone with the lock file: the home is
 * an SQLite database, which serialises its writers itself.)
 *
 * Every run gets a private XDG_CONFIG_HOME (user units) and a PATH whose
 * first folder holds a fake `crontab` (the user's real crontab is never
 * read) and, unless a test says otherwise, fake `wg`, `ip` and
 * `wireguard-go` that succeed, so the findings do not depend on the machine.
 * The disk finding's free space varies: it is checked for its shape and
 * compared as "writable".
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { checkHistory } from "../../src/cli/doctor_history.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import { describe, type MycelResult, TempHome, tempHome } from "../helpers/mycel.ts";
import { CRON_MARKER } from "../../src/service/cron_marker.ts";
import { freePort } from "../helpers/net.ts";
import { which } from "../helpers/process.ts";
import { fakeBin, peer } from "../service/_helpers.ts";
import { runMain } from "./_in_process.ts";

interface Finding {
  check: string;
  ok: boolean;
  note?: true;
  detail: string;
  hint?: string;
  device?: string;
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
  disk: { check: "disk", ok: true, detail: "writable" },
  clock: { check: "clock", ok: true, detail: "clocks agree with the peers'" },
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
    else if (!f.note) {
      assert.equal(f.hint, undefined, `an ok finding has no hint: ${JSON.stringify(f)}`);
    }
    if (f.check === "disk" && f.ok) {
      assert.match(f.detail, /^writable(, [\d.]+ GiB free)?$/);
      f.detail = "writable";
    }
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
    OK.disk,
    {
      check: "log",
      ok: true,
      detail: `${entries === 1 ? "1 entry" : `${entries} entries`}, database intact`,
    },
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

Deno.test({
  name: "doctor: a healthy home with a reachable peer reports exactly what is expected",
  ignore: SYSTEM_UNITS,
  async fn() {
    await using h = await doctorHome();
    await using other = await tempHome("mycel-doctor-peer-");
    const port = freePort();
    await other.ok(["--no-sync", "init", "--name", "other", "--listen", `127.0.0.1:${port}`]);
    await peer(h, other);
    const id = (await other.json<{ device: { id: string } }>(["status", "--json"])).device.id;
    await using server = other.spawn(["sync", "serve", "--listen", `127.0.0.1:${port}`]);
    await server.waitFor(/listening on/);

    const { report, result } = await doctor(h);
    assert.equal(result.code, 1, "the missing schedule is a problem");
    assert.deepEqual(report.findings, [
      ...healthy(h, 2), // genesis + add-peer
      {
        check: "peer",
        ok: true,
        detail: `other reachable at 127.0.0.1:${port}: sync handshake answered`,
        device: id,
      },
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

Deno.test("doctor: a peer whose port something else answers on is not reachable: an open port is not a sync handshake", async () => {
  await using h = await doctorHome();
  await using other = await tempHome("mycel-doctor-peer-");
  // Something that is not mycel listens where the peer's endpoint points
  // (loopback only): it takes each connection and hangs up.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  const accepting = (async () => {
    for await (const c of listener) c.close();
  })().catch(() => {});
  try {
    await other.ok(["--no-sync", "init", "--name", "other", "--listen", `127.0.0.1:${port}`]);
    await peer(h, other);
    const found = find((await doctor(h)).report, "peer");
    // Before: "other reachable at 127.0.0.1:PORT", ok, for any listener.
    assert.equal(found.ok, false, JSON.stringify(found));
    assert.match(
      found.detail,
      new RegExp(
        `^other unreachable: 127\\.0\\.0\\.1:${port}: port open, but no sync handshake: `,
      ),
    );
    assert.match(
      found.hint ?? "",
      /^Something else answers at that port, or other's sync does not/,
    );
  } finally {
    listener.close();
    await accepting;
  }
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
    device: (await other.json<{ device: { id: string } }>(["status", "--json"])).device.id,
  });
});

Deno.test("doctor and status say which of two peers sharing a name is down (short id; doctor --json: its id)", async () => {
  await using h = await doctorHome();
  await using up = await tempHome("mycel-doctor-twin-up-");
  await using down = await tempHome("mycel-doctor-twin-down-");
  const upPort = freePort();
  const downPort = freePort();
  const ids: string[] = [];
  for (const [t, port] of [[up, upPort], [down, downPort]] as const) {
    await t.ok(["--no-sync", "init", "--name", "laptop", "--listen", `127.0.0.1:${port}`]);
    await peer(h, t);
    ids.push((await t.json<{ device: { id: string } }>(["status", "--json"])).device.id);
  }
  const [upShort, downShort] = ids.map((id) => id.slice(0, 7));
  await using server = up.spawn(["sync", "serve", "--listen", `127.0.0.1:${upPort}`]);
  await server.waitFor(/listening on/);
  // A round records the failure that status shows below its table.
  await h.run(["sync", "now", "--timeout", "3"], { env: { MYCEL_OFFLINE: undefined } });

  const { report } = await doctor(h);
  const peers = report.findings.filter((f) => f.check === "peer");
  assert.deepEqual(
    peers.map((f) => [f.device, f.ok]).sort(),
    [[ids[0], true], [ids[1], false]].sort(),
  );
  const failed = peers.find((f) => !f.ok)!;
  assert.equal(
    failed.detail,
    `laptop (${downShort}) unreachable: nothing is listening there (127.0.0.1:${downPort})`,
  );
  assert.match(failed.hint!, new RegExp(`^Is laptop \\(${downShort}\\) on and serving`));
  assert.equal(
    peers.find((f) => f.ok)!.detail,
    `laptop (${upShort}) reachable at 127.0.0.1:${upPort}: sync handshake answered`,
  );

  const status = await h.ok(["status"]);
  assert.match(status.stdout, new RegExp(`^ {2}laptop \\(${downShort}\\): unreachable: `, "m"));
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

Deno.test("doctor: a world-readable key file and database and an open folder; --fix makes them private", async () => {
  await using h = await doctorHome();
  const db = `${h.home}/mycel.db`;
  await Deno.chmod(`${h.home}/keys.cbor`, 0o644);
  await Deno.chmod(db, 0o644);
  await Deno.chmod(h.home, 0o755);
  const { report, result } = await doctor(h);
  assert.equal(result.code, 1);
  const perms = find(report, "permissions");
  assert.equal(perms.ok, false);
  assert.equal(
    perms.hint,
    `Run \`mycel doctor --fix\` (or chmod 700 folders, 600 files in ${h.home}).`,
  );
  // The folder, the key file and the database, in that order; SQLite gives
  // the write-ahead log and shared-memory files it creates the database's mode.
  const parts = perms.detail.split("; ");
  assert.deepEqual(parts.slice(0, 3), [
    `${h.home} is 0755, should be 0700`,
    `${h.home}/keys.cbor is 0644, should be 0600`,
    `${db} is 0644, should be 0600`,
  ]);
  for (const extra of parts.slice(3)) {
    assert.match(extra, new RegExp(`^${db}-(wal|shm) is 0644, should be 0600$`), perms.detail);
  }
  assert.deepEqual(find(report, "keys"), OK.keys(h));
  const text = await h.run(["doctor"]);
  assert.match(text.stdout, /^FAIL {2}permissions .*keys\.cbor is 0644, should be 0600/m);
  assert.match(text.stdout, /^ {18}hint: Run `mycel doctor --fix`/m);
  // status says it too (before, only doctor did).
  const status = await h.ok(["status"]);
  assert.match(
    status.stdout,
    /the key file is readable by other users \(mode 0644\): run `mycel doctor --fix`/,
  );

  // --fix says what it changed, and a second --fix that nothing needed it.
  const fixed = await doctor(h, ["--fix"]);
  const done = find(fixed.report, "permissions");
  assert.equal(done.ok, true);
  assert.match(
    done.detail,
    new RegExp(`^made private: ${h.home} \\(was 0755\\); ${h.home}/keys\\.cbor \\(was 0644\\); `),
  );
  assert.deepEqual(find((await doctor(h, ["--fix"])).report, "permissions"), OK.permissions);
  assert.equal(mode(h.home), 0o700);
  for (const f of ["keys.cbor", "mycel.db", "mycel.db-wal", "mycel.db-shm"]) {
    const path = `${h.home}/${f}`;
    try {
      assert.equal(mode(path), 0o600, path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  const after = await doctor(h);
  assert.deepEqual(after.report.findings, healthy(h, 1));
  assert.doesNotMatch((await h.ok(["status"])).stdout, /readable by other users/);
});

Deno.test("doctor: a fresh home's database files are private from the start", async () => {
  await using h = await doctorHome();
  await h.ok(["pref", "set", "theme", "dark"]); // a writer: the database and its WAL
  for (const e of Deno.readDirSync(h.home)) {
    const path = `${h.home}/${e.name}`;
    assert.equal(mode(path), e.isDirectory ? 0o700 : 0o600, path);
  }
  assert.deepEqual(find((await doctor(h)).report, "permissions"), OK.permissions);
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

/** Fold the write-ahead log into mycel.db and remove it, so every stored byte is in that file. */
function settle(h: TempHome): string {
  const db = `${h.home}/mycel.db`;
  const d = new DatabaseSync(db);
  d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  d.close();
  return db;
}

Deno.test("doctor: a byte flipped inside an entry in mycel.db; --fix leaves it to repair", async () => {
  await using h = await doctorHome();
  for (const [k, v] of [["theme", "dark"], ["lang", "en"], ["editor", "vim"], ["shell", "fish"]]) {
    await h.ok(["pref", "set", k, v]);
  }
  const db = settle(h);
  // Entry #3 (lang = en): flip one bit in the middle of its stored bytes.
  const id = (await h.json<{ device: { id: string } }>(["status", "--json"])).device.id;
  const r = new DatabaseSync(db, { readOnly: true });
  const { bytes } = r.prepare("SELECT bytes FROM entries WHERE author = ? AND seq = 3")
    .get(DeviceKey.fromId(id).bytes) as { bytes: Uint8Array };
  r.close();
  const file = await Deno.readFile(db);
  const at = file.findIndex((_, i) => bytes.every((b, j) => file[i + j] === b));
  assert.ok(at >= 0, "the entry's bytes are in the file");
  file[at + Math.floor(bytes.length / 2)] ^= 0x01; // one bit of one byte
  await Deno.writeFile(db, file);
  const damaged = file.slice();

  const { report, result } = await doctor(h);
  assert.equal(result.code, 1);
  const log = find(report, "log");
  assert.equal(log.ok, false);
  assert.equal(log.hint, "Run `mycel repair`.");
  assert.ok(log.detail.startsWith(`${db}: `), `the detail names ${db}: ${log.detail}`);
  assert.match(
    log.detail,
    new RegExp(`${id.slice(0, 7)}#3 (does not match its hash|cannot be read)`),
  );
  // Everything else is as healthy as before.
  assert.deepEqual(
    report.findings.filter((f) => f.check !== "log"),
    healthy(h, 5).filter((f) => f.check !== "log"),
  );

  const fixed = await doctor(h, ["--fix"]);
  assert.equal(find(fixed.report, "log").ok, false, "--fix does not touch the log");
  assert.deepEqual(await Deno.readFile(db), damaged);

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

Deno.test("doctor: the log finding says 1 entry for a fresh home and 2 entries after a write", async () => {
  await using h = await doctorHome();
  assert.equal(find((await doctor(h)).report, "log").detail, "1 entry, database intact");
  assert.match((await h.run(["doctor"])).stdout, /^ ok {3}log {9}1 entry, database intact$/m);
  await h.ok(["pref", "set", "theme", "dark"]);
  assert.equal(find((await doctor(h)).report, "log").detail, "2 entries, database intact");
});

/**
 * Just enough of a home for checkHistory: peers with the given clock skews
 * (ms, all recorded) and entries kept aside, by author.
 */
function historyHome(
  skews: number[],
  aside: { count: number; reason: "past_cut" | "waiting" }[],
): Home {
  const keys = skews.map((_, i) => DeviceKey.of(new Uint8Array(32).fill(i + 1)));
  return {
    view: {
      member: (k: DeviceKey) => ({ record: { name: `peer${keys.indexOf(k) + 1}` } }),
      members: () => keys.map((k, i) => ({ record: { id: k.id, key: k, name: `peer${i + 1}` } })),
    },
    local: { peers: () => new Map(keys.map((k, i) => [k, { skewMs: skews[i], skewAt: 1 }])) },
    stampsAhead: () => undefined,
    log: {
      forks: () => [],
      asideSummary: () =>
        aside.map((a) => ({
          author: keys[0],
          reason: a.reason,
          count: a.count,
          from: 1,
          to: a.count,
        })),
    },
  } as unknown as Home;
}

Deno.test("doctor: clock skew and entries kept aside are counted in the right number", () => {
  const one = checkHistory(historyHome([120_000], [{ count: 1, reason: "past_cut" }]));
  assert.deepEqual(one.map((f) => f.detail), [
    "this device's clock is about 2m behind 1 of 1 peer",
    "1 entry of peer1 (#1) kept aside: past the cut of its removal",
  ]);
  const many = checkHistory(historyHome([120_000, 90_000, 0], [{ count: 3, reason: "waiting" }]));
  assert.deepEqual(many.map((f) => f.detail), [
    "this device's clock is about 2m behind 2 of 3 peers",
    "3 entries of peer1 (#1–#3) kept aside: waiting for earlier entries (or the admission) of their author",
  ]);
});
